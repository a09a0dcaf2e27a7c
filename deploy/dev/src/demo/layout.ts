/**
 * The demo's layout on one machine: which processes stand for which hosts, on which loopback
 * ports, and which example channels start in which order. Defined once here; `npm start`,
 * `deploy/dev/demo up|down`, their tests and the README read it from here.
 */
import { join } from 'node:path';

/** The etcd prefix the demo's controllers and runners share (tests use their own). */
export const DEMO_PREFIX = '/drover-demo';

/** The example channels, in start order (the receivers before what sends to them). */
export const CHANNELS = [
  'reftenant/receiver',
  'reftenant/forwarder',
  'reftenant/processor',
  'reftenant/syslog',
] as const;

/**
 * The demo's processes and ports on this one host. Ports are the documented ones (controllers
 * 7070 and 7075, runners 7071-7074, Lumberjack 2002/2003, syslog RELP 2514/2515, TLS 6514/6515,
 * TCP and UDP 1514/1515: 514 needs root) shifted by `offset`, which `DROVER_DEMO_PORT_OFFSET`
 * sets (0 by default; tests use it to run next to a demo someone else started).
 */
export function demoLayout(offset = 0) {
  const at = (port: number) => port + offset;
  const listen = (port: number) => `127.0.0.1:${at(port)}`;
  const controllers = [
    { id: 'controller-a', listen: listen(7070) },
    { id: 'controller-b', listen: listen(7075) },
  ] as const;
  const runners = [
    { name: 'front1', cluster: 'shiva_front', tags: ['centralfront1', 'front'], listen: listen(7071) },
    { name: 'front2', cluster: 'shiva_front', tags: ['centralfront2', 'front'], listen: listen(7072) },
    { name: 'back1', cluster: 'shiva_front', tags: ['back'], listen: listen(7073) },
    { name: 'collector1', cluster: 'shiva_collector', tags: ['collector'], listen: listen(7074) },
  ] as const;
  /** The Lumberjack receivers: both use 2002 on real front hosts; here the second takes 2003. */
  const lumberjack = { receiver1: at(2002), receiver2: at(2003) };
  const syslog = {
    receiver1: { relp: at(2514), tls: at(6514), plain: at(1514) },
    receiver2: { relp: at(2515), tls: at(6515), plain: at(1515) },
  };
  const port = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));
  return {
    offset,
    controllers,
    runners,
    lumberjack,
    syslog,
    /** The controller address channelctl and the console use. */
    primaryApi: `http://${controllers[0].listen}`,
    /** Every fixed port the demo takes (checked free before it starts). */
    ports: [
      ...controllers.map((c) => port(c.listen)),
      ...runners.map((r) => port(r.listen)),
      lumberjack.receiver1,
      lumberjack.receiver2,
      ...Object.values(syslog).flatMap((p) => [p.relp, p.tls, p.plain]),
    ],
  };
}
export type DemoLayout = ReturnType<typeof demoLayout>;

/** The offset from `DROVER_DEMO_PORT_OFFSET` (an integer 0-50000); throws naming the variable. */
export function portOffset(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DROVER_DEMO_PORT_OFFSET;
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 50_000)
    throw new Error(`DROVER_DEMO_PORT_OFFSET=${raw}: expected an integer from 0 to 50000`);
  return n;
}

/** The demo's files under the dev state directory. */
export interface DemoPaths {
  /** `<state>/demo` */
  readonly dir: string;
  readonly channels: string;
  readonly tls: string;
  readonly spool: string;
  readonly rsyslog: string;
  log(name: string): string;
  pidFile(name: string): string;
  workdir(runner: string): string;
}

export function demoPaths(stateDir: string): DemoPaths {
  const dir = join(stateDir, 'demo');
  return {
    dir,
    channels: join(dir, 'channels'),
    tls: join(dir, 'tls'),
    spool: join(dir, 'spool'),
    rsyslog: join(dir, 'rsyslog'),
    log: (name) => join(dir, `${name}.log`),
    pidFile: (name) => join(dir, `${name}.pid`),
    workdir: (runner) => join(dir, `work-${runner}`),
  };
}
