/** Human renderings of the API's views. */
import type { AuditEntry, ChannelSummary, ChannelView, RunnerView } from '@drover/cluster-state';
import { table } from './table.js';

type LastExit = NonNullable<ChannelView['applications'][number]['instances'][number]['lastExit']>;

/** `code 3`, `SIGKILL`, `oom (SIGKILL)`, with the supervisor's message when it gave one. */
export function exitSummary(exit: LastExit): string {
  const how =
    exit.reason === 'exited'
      ? `code ${exit.code}`
      : exit.signal === null
        ? exit.reason
        : exit.reason === 'signal'
          ? exit.signal
          : `${exit.reason} (${exit.signal})`;
  return exit.message === undefined ? how : `${how}: ${exit.message}`;
}

/** One line on the channel's rolling update, when there is one to tell. */
export function rolloutSummary(view: ChannelView): string | undefined {
  const r = view.rollout;
  if (r === null) return undefined;
  const progress = `${r.updated}/${r.total} instance(s) of ${r.applications.join(', ')} updated`;
  if (!r.current) return 'rollout: a change or reload is about to be rolled';
  if (r.state === 'progressing') return `rollout: progressing, rolling ${r.application} (${progress})`;
  if (r.state === 'failed') return `rollout: stopped at ${r.application}: ${r.reason} (${progress})`;
  return `rollout: complete (${progress}, ${r.finishedAt})`;
}

type InstanceView = ChannelView['applications'][number]['instances'][number];

/** `256Mi cgroup2`: the instance's limit and how its runner enforces it now; `-` without one. */
function memoryColumn(i: InstanceView): string {
  if (i.memoryLimitBytes === null) return '-';
  const mib = i.memoryLimitBytes / 1024 / 1024;
  const limit = Number.isInteger(mib) ? `${mib}Mi` : `${i.memoryLimitBytes}`;
  return i.memoryEnforcement === null ? limit : `${limit} ${i.memoryEnforcement}`;
}

export function renderChannel(view: ChannelView): string {
  const rows = view.applications.flatMap((app) =>
    app.instances.map((i) => [
      app.name,
      String(i.index),
      i.runner ?? '-',
      i.upToDate === false ? `${i.state} (outdated)` : i.state,
      i.pid === null ? '-' : String(i.pid),
      String(i.restarts),
      memoryColumn(i),
      i.reason ?? (i.lastExit === null ? '' : `last exit: ${exitSummary(i.lastExit)}`),
    ]),
  );
  const rollout = rolloutSummary(view);
  const parts = [
    `${view.tenant}/${view.channel}: ${view.desired}${rollout === undefined ? '' : `\n${rollout}`}`,
    rows.length > 0
      ? table(['APPLICATION', '#', 'RUNNER', 'STATE', 'PID', 'RESTARTS', 'MEMORY', 'REASON'], rows)
      : '(no applications)',
  ];
  if (view.resources.length > 0) {
    parts.push(
      table(
        ['RESOURCE', 'TYPE', 'CLUSTER', 'STATE', 'ERROR'],
        view.resources.map((r) => [r.name, r.type, r.cluster, r.state, r.error ?? '']),
      ),
    );
  }
  return parts.join('\n\n');
}

export function renderChannels(channels: readonly ChannelSummary[]): string {
  if (channels.length === 0) return 'no channels';
  return table(
    ['CHANNEL', 'DESIRED', 'APPS', 'INSTANCES'],
    channels.map((c) => [
      `${c.tenant}/${c.channel}`,
      c.desired,
      String(c.applications),
      Object.entries(c.instances)
        .map(([state, n]) => `${n} ${state}`)
        .join(', '),
    ]),
  );
}

export function renderRunners(runners: readonly RunnerView[]): string {
  if (runners.length === 0) return 'no live runners';
  return table(
    ['RUNNER', 'CLUSTER', 'TAGS', 'INSTANCES', 'VERSION', 'STARTED'],
    runners.map((r) => [r.name, r.cluster, r.tags.join(','), String(r.instances), r.version, r.startedAt]),
  );
}

/** What keeps a channel from being all running what it should, one line per instance. */
export function notRunning(view: ChannelView): string[] {
  return view.applications.flatMap((app) =>
    app.instances
      .filter((i) => i.state !== 'running' || i.upToDate === false)
      .map((i) => {
        const where = `${app.name}[${i.index}] ${i.state}${i.runner === null ? '' : ` on ${i.runner}`}`;
        if (i.state === 'running') return `${where}: outdated, the rolling update has not reached it`;
        return `${where}: ${i.reason ?? 'no reason given'}`;
      }),
  );
}

/** The audit log for people: one line per entry, oldest first. */
export function renderAudit(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return 'no audit entries';
  return table(
    ['TIME', 'TOKEN', 'ROLE', 'SOURCE', 'ACTION', 'CHANNEL', 'RESULT', 'DETAIL'],
    entries.map((e) => [
      e.time,
      e.token === null ? '-' : e.via === 'session' ? `${e.token} (console)` : e.token,
      e.role ?? '-',
      e.source,
      e.action,
      e.channel ?? '-',
      e.result === 'ok' ? 'ok' : `${e.result} ${e.status}`,
      [e.code, e.message].filter((p) => p !== null).join(': '),
    ]),
  );
}
