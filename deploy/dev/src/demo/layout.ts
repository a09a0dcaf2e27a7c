/**
 * The demo's layout on one machine: which processes stand for which hosts, on which loopback
 * ports, and which example channels start in which order. Defined once here; `npm start`,
 * `deploy/dev/demo up|down`, their tests and the README read it from here.
 */
import { join } from 'node:path';

/** The etcd prefix the demo's controllers and runners share (tests use their own). */
export const DEMO_PREFIX = '/drover-demo';

/** Two controllers: the first is channelctl's default address; the second stands by. */
export const CONTROLLERS = [
  { id: 'controller-a', listen: '127.0.0.1:7070' },
  { id: 'controller-b', listen: '127.0.0.1:7075' },
] as const;

/** The runners standing for the hosts of the reference platform, with their tags. */
export const RUNNERS = [
  { name: 'front1', cluster: 'shiva_front', tags: ['centralfront1', 'front'], listen: '127.0.0.1:7071' },
  { name: 'front2', cluster: 'shiva_front', tags: ['centralfront2', 'front'], listen: '127.0.0.1:7072' },
  { name: 'back1', cluster: 'shiva_front', tags: ['back'], listen: '127.0.0.1:7073' },
  { name: 'collector1', cluster: 'shiva_collector', tags: ['collector'], listen: '127.0.0.1:7074' },
] as const;

/** The example channels, in start order (the receivers before what sends to them). */
export const CHANNELS = [
  'reftenant/receiver',
  'reftenant/forwarder',
  'reftenant/processor',
  'reftenant/syslog',
] as const;

/** Where the syslog receivers listen on this one host (514 needs root: 1514/1515). */
export const SYSLOG_PORTS = {
  receiver1: { relp: 2514, tls: 6514, plain: 1514 },
  receiver2: { relp: 2515, tls: 6515, plain: 1515 },
} as const;

/** The Lumberjack receivers: both use 2002 on real front hosts; here the second takes 2003. */
export const LUMBERJACK_PORTS = { receiver1: 2002, receiver2: 2003 } as const;

/** Every fixed port the demo takes (checked free before it starts). */
export function demoPorts(): number[] {
  const hostPort = (listen: string) => Number(listen.slice(listen.lastIndexOf(':') + 1));
  return [
    ...CONTROLLERS.map((c) => hostPort(c.listen)),
    ...RUNNERS.map((r) => hostPort(r.listen)),
    LUMBERJACK_PORTS.receiver1,
    LUMBERJACK_PORTS.receiver2,
    ...Object.values(SYSLOG_PORTS).flatMap((p) => [p.relp, p.tls, p.plain]),
  ];
}

/** The controller address channelctl and the console use. */
export function primaryApi(): string {
  return `http://${CONTROLLERS[0].listen}`;
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
