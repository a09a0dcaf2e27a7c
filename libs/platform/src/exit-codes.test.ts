import { KafkaResourceError } from '@drover/kafka-resources';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { EtcdAccessError } from './etcd-probe.js';
import { commanderExitCode, ExitCode } from './exit-codes.js';
import { fatalExitCode } from './shutdown.js';

/** What a program with one subcommand throws for `argv` (exitOverride, output silenced). */
function thrown(argv: string[]): unknown {
  const program = new Command('tool')
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .version('1.0.0');
  program
    .command('start')
    .requiredOption('--file <f>')
    .action(() => {});
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('exit codes', () => {
  it('maps help and version to 0, every other parser error to 2', () => {
    expect(commanderExitCode(thrown(['--help']))).toBe(ExitCode.OK);
    expect(commanderExitCode(thrown(['--version']))).toBe(ExitCode.OK);
    // No command at all: commander shows the help as an error.
    expect(commanderExitCode(thrown([]))).toBe(ExitCode.USAGE);
    expect(commanderExitCode(thrown(['start']))).toBe(ExitCode.USAGE);
    expect(commanderExitCode(thrown(['stat']))).toBe(ExitCode.USAGE);
    expect(commanderExitCode(thrown(['start', '--file', 'x', '--nope']))).toBe(ExitCode.USAGE);
  });

  it('says nothing about errors that are not the parser’s', () => {
    expect(commanderExitCode(new Error('boom'))).toBeUndefined();
    expect(commanderExitCode(new CommanderError(1, 'other.code', 'x'))).toBeUndefined();
    expect(commanderExitCode(null)).toBeUndefined();
  });

  it('gives a fatal startup error its code: 2 configuration, 4 access refused (etcd, Kafka), else 1', () => {
    expect(fatalExitCode(new ConfigError('drover.yaml', 'bad'))).toBe(ExitCode.USAGE);
    expect(fatalExitCode(new EtcdAccessError('AUTH', 'https://etcd:2379', 'wrong password'))).toBe(
      ExitCode.ACCESS_REFUSED,
    );
    const refused = new KafkaResourceError('KAFKA_TLS_FAILED', 'handshake refused', { cluster: 'front' });
    expect(fatalExitCode(refused)).toBe(ExitCode.ACCESS_REFUSED);
    const unreachable = new KafkaResourceError('KAFKA_UNREACHABLE', 'no answer', { cluster: 'front' });
    expect(fatalExitCode(unreachable)).toBe(ExitCode.FAILURE);
    expect(fatalExitCode(new Error('boom'))).toBe(ExitCode.FAILURE);
  });
});
