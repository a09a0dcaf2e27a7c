/**
 * The live summary `npm start` redraws every second: the controllers and which leads, the runners,
 * every instance of the demo's channels (host, state, pid, restarts, events/s in, acknowledged, in
 * flight), and events per second into each Kafka topic.
 *
 * Collection (HTTP to the controllers' API, Kafka offsets) is apart from rendering, which is a pure
 * function of two snapshots a second apart, so it is tested without a cluster.
 */
import {
  type ChannelRuntime,
  type ChannelView,
  channelRuntimeSchema,
  channelSummarySchema,
  channelViewSchema,
  type Readiness,
  type RunnerView,
  readinessSchema,
  runnerViewSchema,
} from '@drover/cluster-state';
import { z } from 'zod';

export interface ControllerState {
  readonly api: string;
  /** null when it did not answer. */
  readonly readiness: Readiness | null;
}

export interface Snapshot {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly controllers: readonly ControllerState[];
  readonly runners: readonly RunnerView[];
  readonly channels: readonly ChannelView[];
  /** By `tenant/channel`; missing when the controller could not gather it. */
  readonly runtimes: ReadonlyMap<string, ChannelRuntime>;
  /** Messages in each topic (sum of the partitions' end offsets), by topic name. */
  readonly topics: ReadonlyMap<string, number>;
  /** What could not be read this time (shown under the tables, never hidden). */
  readonly problems: readonly string[];
}

/** Reads what the summary shows. `topicTotals` reads Kafka (an adapter, so tests pass a fake). */
export async function collectSnapshot(
  apis: readonly string[],
  topicTotals: (topics: readonly string[]) => Promise<Map<string, number>>,
  now: () => number = Date.now,
): Promise<Snapshot> {
  const problems: string[] = [];
  const get = async <T>(url: string, schema: z.ZodType<T>): Promise<T | undefined> => {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (!res.ok && res.status !== 503) {
        problems.push(`${url}: HTTP ${res.status}`);
        return undefined;
      }
      const parsed = schema.safeParse(await res.json());
      if (parsed.success) return parsed.data;
      problems.push(`${url}: unexpected answer (${z.prettifyError(parsed.error).replace(/\s+/g, ' ')})`);
      return undefined;
    } catch (err) {
      problems.push(`${url}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const controllers = await Promise.all(
    apis.map(async (api) => ({ api, readiness: (await get(`${api}/readyz`, readinessSchema)) ?? null })),
  );
  const api = controllers.find((c) => c.readiness !== null)?.api ?? apis[0] ?? '';
  const runners =
    (await get(`${api}/v1/runners`, z.object({ runners: z.array(runnerViewSchema) })))?.runners ?? [];
  const summaries =
    (await get(`${api}/v1/channels`, z.object({ channels: z.array(channelSummarySchema) })))?.channels ?? [];
  const channels: ChannelView[] = [];
  const runtimes = new Map<string, ChannelRuntime>();
  for (const s of summaries) {
    const path = `${api}/v1/channels/${s.tenant}/${s.channel}`;
    const view = await get(path, channelViewSchema);
    if (view === undefined) continue;
    channels.push(view);
    if (view.desired === 'started') {
      const runtime = await get(`${path}/runtime`, channelRuntimeSchema);
      if (runtime !== undefined) runtimes.set(`${s.tenant}/${s.channel}`, runtime);
    }
  }
  const topicNames = [
    ...new Set(
      channels.flatMap((c) => c.resources.filter((r) => r.type === 'kafka_topic').map((r) => r.name)),
    ),
  ].sort();
  let topics = new Map<string, number>();
  if (topicNames.length > 0) {
    try {
      topics = await topicTotals(topicNames);
    } catch (err) {
      problems.push(`Kafka offsets: ${(err as Error).message}`);
    }
  }
  return { at: now(), controllers, runners, channels, runtimes, topics, problems };
}

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const num = (n: number | undefined) => (n === undefined ? '-' : fmt.format(n));

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Input totals of one instance's pipeline: events emitted by its inputs, acknowledged, in flight. */
function pipelineTotals(runtime: ChannelRuntime | undefined, app: string, index: number) {
  const inst = runtime?.instances.find((i) => i.app === app && i.index === index);
  const p = inst?.pipeline;
  if (p === undefined || p === null) return undefined;
  const inputs = Object.values(p.components).filter((c) => c.kind === 'input');
  return {
    in: inputs.reduce((n, c) => n + c.out, 0),
    acked: inputs.reduce((n, c) => n + c.acked, 0),
    inFlight: p.inFlight,
    startedAt: p.startedAt,
  };
}

export interface RenderOptions {
  readonly consoleUrl: string;
  /** Wall-clock time shown in the heading (ISO string or any label). */
  readonly clock: string;
}

/**
 * The summary as lines of text, from the snapshot a second ago (`before`, for rates) and now.
 * Rates need both snapshots; with no `before` they show `-`.
 */
export function renderSummary(before: Snapshot | undefined, now: Snapshot, options: RenderOptions): string[] {
  const seconds = before === undefined ? 0 : (now.at - before.at) / 1000;
  const rate = (a: number | undefined, b: number | undefined) =>
    seconds > 0 && a !== undefined && b !== undefined && b >= a ? num((b - a) / seconds) : '-';

  const leader = now.controllers.find(
    (c) => c.readiness?.leader !== null && c.readiness?.leader !== undefined,
  )?.readiness?.leader;
  const controllers = now.controllers.map((c) => {
    if (c.readiness === null) return `${c.api.replace('http://', '')} down`;
    return `${c.readiness.self.id} ${c.readiness.self.leader ? 'leader' : 'standby'}`;
  });
  const out: string[] = [
    `Drover on this machine, ${options.clock}`,
    `controllers: ${controllers.join(', ')}${leader === undefined || leader === null ? ' (no leader)' : ''}`,
    `runners: ${now.runners.map((r) => `${r.name} [${r.tags.join(',')}]`).join('  ') || '(none registered)'}`,
    `console: ${options.consoleUrl}`,
    '',
  ];

  const rows: string[][] = [];
  for (const ch of now.channels) {
    const key = `${ch.tenant}/${ch.channel}`;
    const runtime = now.runtimes.get(key);
    const previous = before?.runtimes.get(key);
    for (const app of ch.applications) {
      for (const inst of app.instances) {
        const cur = pipelineTotals(runtime, app.name, inst.index);
        const prev = pipelineTotals(previous, app.name, inst.index);
        const samePipeline = prev !== undefined && cur !== undefined && prev.startedAt === cur.startedAt;
        rows.push([
          key,
          app.instances.length > 1 ? `${app.name}/${inst.index}` : app.name,
          inst.runner ?? '-',
          inst.state + (inst.reason !== null && inst.state !== 'running' ? ` (${inst.reason})` : ''),
          inst.pid === null ? '-' : String(inst.pid),
          String(inst.restarts),
          samePipeline ? rate(prev?.in, cur?.in) : '-',
          num(cur?.acked),
          num(cur?.inFlight),
        ]);
      }
    }
  }
  out.push(
    ...table(
      ['CHANNEL', 'APPLICATION', 'HOST', 'STATE', 'PID', 'RESTARTS', 'IN/S', 'ACKED', 'IN FLIGHT'],
      rows,
    ),
  );
  out.push('');
  const topicRows = [...now.topics].map(([topic, total]) => [
    topic,
    rate(before?.topics.get(topic), total),
    num(total),
  ]);
  out.push(...table(['TOPIC', 'EVENTS/S', 'TOTAL'], topicRows));
  // Counters an instance's runner could not give (an instance starting, a runner away).
  const counterProblems = [...now.runtimes.values()].flatMap((rt) =>
    rt.instances
      .filter((i) => i.error !== null)
      .map((i) => `${rt.tenant}/${rt.channel} ${i.app}/${i.index}: no counters: ${i.error}`),
  );
  const problems = [...now.problems, ...counterProblems];
  if (problems.length > 0) out.push('', ...problems.map((p) => `! ${p}`));
  return out;
}
