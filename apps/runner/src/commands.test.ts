import { defaultPlatformConfig } from '@drover/channel-model';
import { describe, expect, it } from 'vitest';
import { childArgs, childEnvironment, heapOptions, resolveCommand } from './commands.js';
import { resolveRunnerConfig } from './config.js';
import { instanceDir } from './workdir.js';

describe('commands', () => {
  it('refuses a command outside the allow-list, naming the runner and what is allowed', () => {
    expect(resolveCommand('bash', ['punchlinectl'], {}, '/w', 'front1')).toEqual({
      refused: 'command "bash" is not allowed on runner front1 (allowed: punchlinectl)',
    });
  });

  it('runs a shipped script from the work directory, anything else through PATH', () => {
    expect(resolveCommand('idle-app', ['idle-app'], { 'idle-app': '#!/bin/sh' }, '/w/i', 'r')).toEqual({
      file: '/w/i/idle-app',
    });
    expect(resolveCommand('punchlinectl', ['punchlinectl'], {}, '/w/i', 'r')).toEqual({
      file: 'punchlinectl',
    });
  });

  it('builds the environment from a short list plus the application env, never the whole runner env', () => {
    const env = childEnvironment(
      { PATH: '/usr/bin', SECRET: 'x', HOME: '/root' },
      { tenant: 't', channel: 'c', app: 'a', index: 2, runner: 'front1' },
      { LEVEL: 'debug' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/root',
      LEVEL: 'debug',
      DROVER_TENANT: 't',
      DROVER_CHANNEL: 'c',
      DROVER_APP: 'a',
      DROVER_INSTANCE: '2',
      DROVER_RUNNER: 'front1',
    });
  });

  it("puts the runner's Node first on the child's PATH, once", () => {
    const env = childEnvironment(
      { PATH: '/usr/local/bin:/opt/node24/bin:/usr/bin' },
      { tenant: 't', channel: 'c', app: 'a', index: 0, runner: 'r' },
      {},
      '/opt/node24/bin',
    );
    expect(env.PATH).toBe('/opt/node24/bin:/usr/local/bin:/usr/bin');
    expect(
      childEnvironment({}, { tenant: 't', channel: 'c', app: 'a', index: 0, runner: 'r' }, {}, '/n').PATH,
    ).toBe('/n');
  });

  it('adds --tenant, --channel and --app as Shiva does', () => {
    expect(childArgs(['start'], 't', 'c', 'a')).toEqual([
      'start',
      '--tenant',
      't',
      '--channel',
      'c',
      '--app',
      'a',
    ]);
  });

  it('keeps instance directories inside the work directory', () => {
    expect(instanceDir('/w', { tenant: 't', channel: 'c', app: 'a', index: 0 })).toBe('/w/t/c/a/0');
    expect(() => instanceDir('/w', { tenant: '..', channel: '..', app: '..', index: 0 })).toThrow(/outside/);
  });
});

describe('runner configuration', () => {
  it('lets flags win over the platform file and always keeps names plain', () => {
    const file = {
      ...defaultPlatformConfig,
      runner: { ...defaultPlatformConfig.runner, tags: ['a'], cluster: 'x' },
    };
    const c = resolveRunnerConfig(file, {
      name: 'front1',
      tags: 'centralfront1,front',
      leaseTtl: '2',
      allowCommand: ['idle-app'],
    });
    expect(c).toMatchObject({
      name: 'front1',
      cluster: 'x',
      tags: ['centralfront1', 'front'],
      leaseTtlSeconds: 2,
      allowedCommands: ['idle-app'],
    });
    expect(() => resolveRunnerConfig(file, { name: 'a/b' })).toThrow(
      '--name: "a/b" must be a plain identifier',
    );
    expect(() => resolveRunnerConfig(file, { allowCommand: ['/bin/sh'] })).toThrow(/bare command name/);
    expect(() => resolveRunnerConfig(file, { listen: 'nope' })).toThrow(/--listen/);
  });
});

describe('heap options for punchlinectl', () => {
  it('maps -Xmx of --childopts onto --max-old-space-size, else 75% of the limit', () => {
    const Mi = 1024 * 1024;
    expect(heapOptions('punchlinectl', ['start', '--childopts', '-Xms96m -Xmx96m'], 256 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=16',
    });
    expect(heapOptions('punchlinectl', ['--childopts', '-Xmx1g'], 2048 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=1024 --max-semi-space-size=16',
    });
    expect(heapOptions('punchlinectl', ['start'], 256 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=192 --max-semi-space-size=16',
    });
    expect(heapOptions('other', ['--childopts', '-Xmx96m'], 256 * Mi)).toEqual({});
  });

  it('sizes the young generation with the heap: a quarter of it, 1 to 16 MiB per semi-space', () => {
    const Mi = 1024 * 1024;
    expect(heapOptions('punchlinectl', ['--childopts', '-Xmx32m'], 256 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=32 --max-semi-space-size=8',
    });
    // The smallest heap the runner gives (16 MiB) gets 4 MiB semi-spaces.
    expect(heapOptions('punchlinectl', ['--childopts', '-Xmx1m'], 256 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=16 --max-semi-space-size=4',
    });
  });
});

describe('heap options follow the heap rule of @drover/channel-model', () => {
  it('lowers the default heap of a small limit to what fits with the runtime overhead', () => {
    const Mi = 1024 * 1024;
    // 75% of 192Mi is 144 MiB, but 144 + 64 > 192: the heap gets 128 MiB.
    expect(heapOptions('punchlinectl', ['start'], 192 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=128 --max-semi-space-size=16',
    });
    expect(heapOptions('punchlinectl', ['--childopts', '-Xmx98304k'], 256 * Mi)).toEqual({
      NODE_OPTIONS: '--max-old-space-size=96 --max-semi-space-size=16',
    });
  });
});
