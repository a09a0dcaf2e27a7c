import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { commanderExitCode, ExitCode } from './exit-codes.js';

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
});
