/**
 * Feeds the pipeline from an input's durable spool (libs/spool): reads the spooled records in
 * order, turns each into an event, emits it as a tracked event and confirms the record to the
 * spool once the outputs confirmed the event (which releases it). A failed event is emitted
 * again after a pause (1 s, doubling to 5 s while failures go on): the spool holds it until
 * it is confirmed, so a broker outage only delays it. At most `max.spout.pending` events are in
 * flight, as for any input.
 */
import type { Spool, SpoolRecord } from '@drover/spool';
import { setLongTimeout, type Timer } from '@drover/timers';
import type { Fields, InputContext, NodeLogger } from '../types.js';

/**
 * A spooled record as an event: the stream it goes to and its fields. `again`: this process
 * emitted the record before and it failed (a redelivery), so what the decoder counts about a
 * message (e.g. syslog_input's headers_none) must not count it twice.
 */
export type RecordDecoder = (
  payload: Buffer,
  again: boolean,
) => { readonly stream: string; readonly fields: Fields };

export interface FeederStats {
  /** Events emitted again after a failure. */
  redelivered: number;
  /** Records that could not be decoded (counted, logged, released). */
  undecodable: number;
}

const RETRY_INITIAL_MS = 1000;
const RETRY_MAX_MS = 5000;

export class SpoolFeeder {
  readonly stats: FeederStats = { redelivered: 0, undecodable: 0 };
  readonly #spool: Spool;
  readonly #decode: RecordDecoder;
  readonly #log: NodeLogger;
  readonly #component: string;
  #ctx: InputContext | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  /** Records to emit again (`again`: they failed; else they waited behind those that did). */
  readonly #retry: { record: SpoolRecord; again: boolean }[] = [];
  #retryMs = RETRY_INITIAL_MS;
  #retryTimer: Timer | undefined;
  #wake: (() => void) | undefined;

  constructor(spool: Spool, decode: RecordDecoder, log: NodeLogger, component: string) {
    this.#spool = spool;
    this.#decode = decode;
    this.#log = log;
    this.#component = component;
  }

  start(ctx: InputContext): void {
    this.#ctx = ctx;
    this.#running = true;
    this.#loop = this.#run(ctx);
  }

  /** Stops emitting (events in flight still complete and are confirmed to the spool). */
  async stop(): Promise<void> {
    this.#running = false;
    this.#retryTimer?.clear();
    this.#wake?.();
    await this.#loop;
  }

  async #run(ctx: InputContext): Promise<void> {
    while (this.#running) {
      if (this.#retry.length > 0) {
        // Downstream is failing: nothing new until what failed went through.
        await new Promise<void>((r) => (this.#wake = r));
        continue;
      }
      if (ctx.inFlight >= ctx.maxPending) {
        await ctx.ready();
        continue;
      }
      const records = await this.#spool.read();
      if (records.length === 0) {
        await Promise.race([this.#spool.readable(), new Promise<void>((r) => (this.#wake = r))]);
        continue;
      }
      for (const [i, r] of records.entries()) {
        // Read in a batch: wait for room as the batch goes (never more than one batch past the bound).
        while (this.#running && ctx.inFlight >= ctx.maxPending) await ctx.ready();
        if (!this.#running) break;
        if (this.#retry.length > 0) {
          // Failures meanwhile: the rest of the batch waits with them.
          for (const record of records.slice(i)) this.#retry.push({ record, again: false });
          break;
        }
        this.#emit(r, false);
      }
    }
  }

  #emit(record: SpoolRecord, again: boolean): void {
    const ctx = this.#ctx as InputContext;
    let event: ReturnType<RecordDecoder>;
    try {
      event = this.#decode(record.payload, again);
    } catch (err) {
      this.stats.undecodable++;
      this.#log.error(
        { component: this.#component, seq: record.seq, err: (err as Error).message },
        'spooled record cannot be decoded: released (lost)',
      );
      this.#spool.confirm(record.seq);
      return;
    }
    if (again) this.stats.redelivered++;
    ctx.emit(event.stream, event.fields, (outcome) => {
      if (outcome.ok) {
        this.#spool.confirm(record.seq);
        this.#retryMs = RETRY_INITIAL_MS;
        return;
      }
      this.#retry.push({ record, again: true });
      if (this.#retryTimer === undefined && this.#running) {
        this.#log.warn(
          { component: this.#component, reason: outcome.reason, retryMs: this.#retryMs },
          'spooled event failed: it stays in the spool and is emitted again',
        );
        this.#retryTimer = setLongTimeout(() => this.#redeliver(), this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
      }
    });
  }

  /** Emits the failed records again, as room allows. */
  #redeliver(): void {
    this.#retryTimer = undefined;
    const ctx = this.#ctx as InputContext;
    while (this.#running && this.#retry.length > 0) {
      if (ctx.inFlight >= ctx.maxPending) {
        void ctx.ready().then(() => this.#redeliver());
        return;
      }
      const next = this.#retry.shift() as { record: SpoolRecord; again: boolean };
      this.#emit(next.record, next.again);
    }
    if (this.#retry.length === 0) this.#wake?.();
  }
}
