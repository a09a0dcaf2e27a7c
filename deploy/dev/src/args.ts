import { isServiceName, SERVICE_NAMES, type ServiceName } from './state.js';

export type Command =
  | { kind: 'up'; services: ServiceName[]; json: boolean }
  | { kind: 'down'; services: ServiceName[] }
  | { kind: 'status'; json: boolean }
  | { kind: 'env' }
  | { kind: 'install'; tools: Tool[] }
  | { kind: 'help' };

export const USAGE = `usage: deploy/dev/services <command>
  up [etcd|kafka|postgres|search ...] [--json]   start (or reuse) local services; default etcd kafka
  down [etcd|kafka|postgres|search ...]          stop them; default all that run
  status [--json]                show each service, its endpoint, pid, alive/healthy
  env                            print export lines for DROVER_ETCD_ENDPOINTS / DROVER_KAFKA_BROKERS /
                                 DROVER_POSTGRES_URL / DROVER_SEARCH_NODES
  install rsyslog                install rsyslogd with its RELP, OpenSSL and Kafka modules from Debian
                                 (for the syslog interop tests and benchmarks; starts nothing)
  install syslog-ng              unpack Debian's syslog-ng under the jar cache (it conflicts with
                                 rsyslog as a package) and install its libraries; starts nothing
state: $DROVER_DEV_STATE_DIR or <repo>/.drover-dev; jar cache: $DROVER_DEV_CACHE_DIR or <repo>/.drover-dev/cache`;

/** Tools `install` brings from Debian for tests and benchmarks (not services: nothing is started). */
export const TOOLS = ['rsyslog', 'syslog-ng'] as const;
export type Tool = (typeof TOOLS)[number];

export class UsageError extends Error {}

/** What `up` starts when no service is named (PostgreSQL and OpenSearch only on demand). */
const DEFAULT_UP: readonly ServiceName[] = ['etcd', 'kafka'];

function services(words: string[], defaults: readonly ServiceName[] = SERVICE_NAMES): ServiceName[] {
  for (const word of words) {
    if (!isServiceName(word))
      throw new UsageError(`unknown service '${word}' (expected ${SERVICE_NAMES.join(', ')})`);
  }
  const picked = SERVICE_NAMES.filter((name) => words.includes(name));
  return picked.length === 0 ? [...defaults] : picked;
}

export function parseArgs(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('-'));
  const words = rest.filter((a) => !a.startsWith('-'));
  const allowFlags = (allowed: string[]) => {
    const bad = flags.find((f) => !allowed.includes(f));
    if (bad !== undefined) throw new UsageError(`unknown option '${bad}' for ${command}`);
  };
  const noWords = () => {
    if (words.length > 0) throw new UsageError(`${command} takes no service names`);
  };
  switch (command) {
    case 'up':
      allowFlags(['--json']);
      return { kind: 'up', services: services(words, DEFAULT_UP), json: flags.includes('--json') };
    case 'down':
      allowFlags([]);
      return { kind: 'down', services: services(words, SERVICE_NAMES) };
    case 'status':
      allowFlags(['--json']);
      noWords();
      return { kind: 'status', json: flags.includes('--json') };
    case 'env':
      allowFlags([]);
      noWords();
      return { kind: 'env' };
    case 'install': {
      allowFlags([]);
      const bad = words.find((w) => !(TOOLS as readonly string[]).includes(w));
      if (bad !== undefined) throw new UsageError(`unknown tool '${bad}' (expected ${TOOLS.join(', ')})`);
      if (words.length === 0) throw new UsageError(`install needs a tool: ${TOOLS.join(', ')}`);
      return { kind: 'install', tools: words as Tool[] };
    }
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case undefined:
      throw new UsageError('missing command');
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}
