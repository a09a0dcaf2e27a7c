/**
 * channelctl's commands over the API client. Each returns an exit code (ExitCode of
 * @drover/platform): OK, or FAILURE with the reason on stderr; bad usage throws UsageError.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ApplicationRef,
  type ChannelRef,
  formatIssue,
  type LoadedChannel,
  loadChannel,
  parseApplicationRef,
  parseChannelRef,
} from '@drover/channel-model';
import { allRunning, allStopped, type ChannelView, parseSince } from '@drover/cluster-state';
import { ExitCode } from '@drover/platform';
import { type ApiClient, ApiError } from './client.js';
import { notRunning, renderAudit, renderChannel, renderChannels, renderRunners } from './render.js';

export interface Output {
  readonly json: boolean;
  out(text: string): void;
  err(text: string): void;
}

export interface Context {
  readonly client: ApiClient;
  readonly channelsDir: string;
  readonly output: Output;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function channelArgument(ref: string): ChannelRef {
  const parsed = parseChannelRef(ref);
  if (parsed === undefined) throw new UsageError(`expected TENANT/CHANNEL, got "${ref}"`);
  return parsed;
}

async function loadValid(ctx: Context, tenant: string, channel: string): Promise<LoadedChannel | undefined> {
  const result = await loadChannel(join(ctx.channelsDir, tenant, channel));
  if (result.ok) return result.value;
  for (const issue of result.issues) ctx.output.err(formatIssue(issue));
  ctx.output.err(`${tenant}/${channel}: ${result.issues.length} problem(s); nothing was changed`);
  return undefined;
}

function report(ctx: Context, err: unknown): number {
  if (err instanceof ApiError) {
    for (const issue of err.issues) ctx.output.err(formatIssue(issue));
    ctx.output.err(err.message);
    return ExitCode.FAILURE;
  }
  throw err;
}

function show(ctx: Context, view: ChannelView): void {
  ctx.output.out(ctx.output.json ? JSON.stringify(view, null, 2) : renderChannel(view));
}

/** A rolling update of what the channel should run now that stopped, with why. */
function failedRollout(view: ChannelView): string | undefined {
  const r = view.rollout;
  return r?.state === 'failed' && r.current ? `rollout stopped at ${r.application}: ${r.reason}` : undefined;
}

/**
 * Polls until `done(view)` or the timeout; the last view either way. A rolling update of the
 * current change that stopped ends the wait at once (nothing will change until the next change).
 */
async function waitFor(
  ctx: Context,
  tenant: string,
  channel: string,
  done: (view: ChannelView) => boolean,
  timeoutMs: number,
): Promise<{ view: ChannelView; ok: boolean }> {
  const until = Date.now() + timeoutMs;
  let last: ChannelView | undefined;
  for (;;) {
    try {
      last = await ctx.client.channel(tenant, channel);
      if (done(last)) return { view: last, ok: true };
      if (failedRollout(last) !== undefined) return { view: last, ok: false };
    } catch (err) {
      // A controller restarting or failing over (unreachable, 503) is no reason to give up waiting.
      const transient = err instanceof ApiError && (err.status === 0 || err.status === 503);
      if (!transient || Date.now() >= until) throw err;
    }
    if (Date.now() >= until && last !== undefined) return { view: last, ok: false };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface WaitOptions {
  readonly wait: boolean;
  readonly timeoutMs: number;
}

export async function validate(ctx: Context, ref: string): Promise<number> {
  const { tenant, channel } = channelArgument(ref);
  const loaded = await loadValid(ctx, tenant, channel);
  if (loaded === undefined) return ExitCode.FAILURE;
  const apps = loaded.structure.applications.length;
  const resources = loaded.structure.resources;
  const topics = resources.filter((r) => r.type === 'kafka_topic').length;
  const templates = resources.length - topics;
  if (ctx.output.json)
    ctx.output.out(
      JSON.stringify({
        tenant,
        channel,
        valid: true,
        applications: apps,
        resources: resources.length,
        files: Object.keys(loaded.files),
      }),
    );
  else
    ctx.output.out(
      `${tenant}/${channel}: valid (${apps} application(s), ${topics} kafka topic(s), ${templates === 0 ? '' : `${templates} index template(s), `}${Object.keys(loaded.files).length} file(s))`,
    );
  return ExitCode.OK;
}

async function startOne(ctx: Context, loaded: LoadedChannel, wait: WaitOptions): Promise<number> {
  const { tenant, channel } = loaded;
  try {
    await ctx.client.upload(tenant, channel, loaded.files, loaded.binaryFiles);
    let view = await ctx.client.start(tenant, channel);
    if (wait.wait) {
      const result = await waitFor(ctx, tenant, channel, allRunning, wait.timeoutMs);
      view = result.view;
      show(ctx, view);
      if (!result.ok) {
        notReady(ctx, view, wait);
        return ExitCode.FAILURE;
      }
      return ExitCode.OK;
    }
    show(ctx, view);
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

export async function start(ctx: Context, ref: string, wait: WaitOptions): Promise<number> {
  const { tenant, channel } = channelArgument(ref);
  const loaded = await loadValid(ctx, tenant, channel);
  if (loaded === undefined) return ExitCode.FAILURE;
  return startOne(ctx, loaded, wait);
}

async function tenantChannels(ctx: Context, tenant: string): Promise<string[]> {
  channelArgument(`${tenant}/x`);
  const entries = await readdir(join(ctx.channelsDir, tenant), { withFileTypes: true }).catch(() => {
    throw new UsageError(`no tenant directory ${join(ctx.channelsDir, tenant)}`);
  });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Every channel of the tenant whose `start_by_tenant` is true; all validated before any change. */
export async function startTenant(ctx: Context, tenant: string, wait: WaitOptions): Promise<number> {
  const loaded: LoadedChannel[] = [];
  let invalid = 0;
  for (const channel of await tenantChannels(ctx, tenant)) {
    const one = await loadValid(ctx, tenant, channel);
    if (one === undefined) invalid++;
    else if (one.structure.start_by_tenant) loaded.push(one);
    else ctx.output.err(`${tenant}/${channel}: start_by_tenant is false: skipped`);
  }
  if (invalid > 0) return ExitCode.FAILURE;
  let code: number = ExitCode.OK;
  for (const one of loaded) code = Math.max(code, await startOne(ctx, one, wait));
  return code;
}

export async function stop(ctx: Context, ref: string, wait: WaitOptions): Promise<number> {
  const { tenant, channel } = channelArgument(ref);
  try {
    let view = await ctx.client.stop(tenant, channel);
    if (wait.wait) {
      const result = await waitFor(ctx, tenant, channel, allStopped, wait.timeoutMs);
      view = result.view;
      if (!result.ok) {
        show(ctx, view);
        ctx.output.err(`${tenant}/${channel}: still stopping after ${wait.timeoutMs / 1000} s`);
        return ExitCode.FAILURE;
      }
    }
    show(ctx, view);
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

/** Every channel of the tenant whose `stop_by_tenant` is true (read from the channels directory). */
export async function stopTenant(ctx: Context, tenant: string, wait: WaitOptions): Promise<number> {
  let code: number = ExitCode.OK;
  for (const channel of await tenantChannels(ctx, tenant)) {
    const one = await loadValid(ctx, tenant, channel);
    if (one === undefined) {
      code = 1;
      continue;
    }
    if (!one.structure.stop_by_tenant) {
      ctx.output.err(`${tenant}/${channel}: stop_by_tenant is false: skipped`);
      continue;
    }
    code = Math.max(code, await stop(ctx, `${tenant}/${channel}`, wait));
  }
  return code;
}

/** Why a wait ended without every instance running what it should. */
function notReady(ctx: Context, view: ChannelView, wait: WaitOptions): void {
  const { tenant, channel } = view;
  const failed = failedRollout(view);
  if (failed !== undefined) ctx.output.err(`${tenant}/${channel}: ${failed}`);
  else
    ctx.output.err(`${tenant}/${channel}: not every instance is running after ${wait.timeoutMs / 1000} s:`);
  for (const line of notRunning(view)) ctx.output.err(`  ${line}`);
}

/** Restarts the instances of a started channel, rolling (one application, one instance at a time). */
export async function reload(ctx: Context, ref: string, wait: WaitOptions): Promise<number> {
  const { tenant, channel } = channelArgument(ref);
  try {
    let view = await ctx.client.reload(tenant, channel);
    if (wait.wait) {
      const result = await waitFor(ctx, tenant, channel, allRunning, wait.timeoutMs);
      view = result.view;
      show(ctx, view);
      if (!result.ok) {
        notReady(ctx, view, wait);
        return ExitCode.FAILURE;
      }
      return ExitCode.OK;
    }
    show(ctx, view);
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

export async function status(ctx: Context, ref: string | undefined): Promise<number> {
  try {
    if (ref !== undefined) {
      const { tenant, channel } = channelArgument(ref);
      show(ctx, await ctx.client.channel(tenant, channel));
      return ExitCode.OK;
    }
    const { channels } = await ctx.client.channels();
    ctx.output.out(ctx.output.json ? JSON.stringify({ channels }, null, 2) : renderChannels(channels));
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

export async function runners(ctx: Context): Promise<number> {
  try {
    const { runners } = await ctx.client.runners();
    ctx.output.out(ctx.output.json ? JSON.stringify({ runners }, null, 2) : renderRunners(runners));
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

export function applicationArgument(ref: string): ApplicationRef {
  const parsed = parseApplicationRef(ref);
  if (parsed === undefined) throw new UsageError(`expected TENANT/CHANNEL/APP, got "${ref}"`);
  return parsed;
}

/** One log record for people: time, stream, message (the JSON as is with --json). */
export function formatLogRecord(line: string): string {
  try {
    const r = JSON.parse(line) as { time?: number; stream?: string; msg?: string };
    const time = typeof r.time === 'number' ? new Date(r.time).toISOString() : '-';
    return `${time} ${r.stream ?? '-'} ${r.msg ?? ''}`;
  } catch {
    return line;
  }
}

export async function logs(
  ctx: Context,
  ref: string,
  options: { instance: number; tail: number; follow: boolean },
): Promise<number> {
  const app = applicationArgument(ref);
  try {
    await ctx.client.logs({ ...app, index: options.instance }, options, (line) =>
      ctx.output.out(ctx.output.json ? line : formatLogRecord(line)),
    );
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}

/**
 * The audit log since `since` (a duration back from now or an ISO time, local time when it has
 * no zone; default 24h), at most `limit` entries: the newest, with a note when there were more.
 */
export async function audit(ctx: Context, options: { since: string; limit: number }): Promise<number> {
  const parsed = parseSince(options.since, new Date());
  if ('error' in parsed) throw new UsageError(`--since: ${parsed.error}`);
  try {
    const list = await ctx.client.audit(parsed.time.toISOString(), options.limit);
    ctx.output.out(ctx.output.json ? JSON.stringify(list, null, 2) : renderAudit(list.entries));
    if (list.truncated) {
      ctx.output.err(
        `only the newest ${list.entries.length} entries since ${list.since}: raise --limit or give a later --since`,
      );
    }
    return ExitCode.OK;
  } catch (err) {
    return report(ctx, err);
  }
}
