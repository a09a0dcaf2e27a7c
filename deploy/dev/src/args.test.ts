import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args.js';

describe('parseArgs', () => {
  it('defaults up to etcd and Kafka and down to every service, in a fixed order', () => {
    expect(parseArgs(['up'])).toEqual({ kind: 'up', services: ['etcd', 'kafka'], json: false });
    expect(parseArgs(['down'])).toEqual({ kind: 'down', services: ['etcd', 'kafka', 'postgres', 'search'] });
    expect(parseArgs(['up', 'postgres'])).toEqual({ kind: 'up', services: ['postgres'], json: false });
    expect(parseArgs(['down', 'kafka', 'etcd'])).toEqual({ kind: 'down', services: ['etcd', 'kafka'] });
    expect(parseArgs(['up', 'search'])).toEqual({ kind: 'up', services: ['search'], json: false });
  });

  it('keeps only the named services and the --json flag', () => {
    expect(parseArgs(['up', 'kafka', '--json'])).toEqual({ kind: 'up', services: ['kafka'], json: true });
    expect(parseArgs(['status', '--json'])).toEqual({ kind: 'status', json: true });
  });

  it.each([
    [[]],
    [['start']],
    [['up', 'zookeeper']],
    [['down', '--json']],
    [['env', 'etcd']],
    [['status', 'x']],
  ])('rejects %j as bad usage', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});
