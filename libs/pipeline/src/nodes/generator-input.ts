/**
 * `generator_input`: synthetic log lines for demos, load and the collector side of a channel.
 * Messages are cycled with their placeholders filled in (`%{seq}`, `%{host}`, `%{rfc3164}`,
 * `%{iso8601}`); `count` ends the run, `rate` paces it, `max.spout.pending` bounds it. An event
 * that fails downstream (timeout, output error) is generated again, identical, before any new
 * one: what the generator counted as sent is delivered at least once.
 */
import os from 'node:os';
import type { GeneratorInputSettings } from '@drover/channel-model';
import type { Fields, InputContext, InputNode } from '../types.js';
import { Pace } from './pace.js';

type Part = string | ((seq: number, now: Date) => string);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Nov  3 05:00:09`: the BSD syslog timestamp (local time, day padded with a space). */
export function rfc3164Time(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Splits a message into literal parts and placeholder functions, once. */
export function compileMessage(message: string, host: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const m of message.matchAll(/%\{(seq|host|rfc3164|iso8601)\}/g)) {
    if (m.index > at) parts.push(message.slice(at, m.index));
    const name = m[1];
    parts.push(
      name === 'seq'
        ? (seq) => String(seq)
        : name === 'host'
          ? host
          : name === 'rfc3164'
            ? (_, now) => rfc3164Time(now)
            : (_, now) => now.toISOString(),
    );
    at = m.index + m[0].length;
  }
  if (at < message.length) parts.push(message.slice(at));
  return parts;
}

export class GeneratorInput implements InputNode {
  readonly kind = 'input' as const;
  readonly #settings: GeneratorInputSettings;
  readonly #stream: string;
  readonly #messages: Part[][];
  readonly #now: () => Date;
  readonly #retry: Fields[] = [];
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(
    settings: GeneratorInputSettings,
    stream: string,
    opts: { readonly host?: string; readonly now?: () => Date } = {},
  ) {
    this.#settings = settings;
    this.#stream = stream;
    const host = opts.host ?? os.hostname();
    this.#messages = settings.messages.map((m) => compileMessage(m, host));
    this.#now = opts.now ?? (() => new Date());
  }

  /** The event with sequence number `seq`. */
  event(seq: number): Fields {
    const parts = this.#messages[seq % this.#messages.length] ?? [];
    const now = this.#now();
    let line = '';
    for (const part of parts) line += typeof part === 'string' ? part : part(seq, now);
    return { ...this.#settings.fields, [this.#settings.field]: line };
  }

  async start(ctx: InputContext): Promise<void> {
    void this.#run(ctx).catch((err: unknown) =>
      ctx.logger.error({ err }, 'generator_input stopped on an unexpected error'),
    );
  }

  async #run(ctx: InputContext): Promise<void> {
    const { count } = this.#settings;
    const pace = new Pace(this.#settings.rate);
    let seq = 0;
    for (;;) {
      await ctx.ready();
      if (this.#stopped) return;
      const retried = this.#retry.shift();
      if (retried === undefined && count !== undefined && seq >= count) {
        if (ctx.inFlight === 0) {
          ctx.logger.info({ count }, 'generator_input: every event generated and confirmed');
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      await pace.next();
      if (this.#stopped) return;
      const fields = retried ?? this.event(seq++);
      ctx.emit(this.#stream, fields, (outcome) => {
        if (!outcome.ok) this.#retry.push(fields);
        const wake = this.#wake;
        this.#wake = undefined;
        wake?.();
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
  }
}
