import { createRequire } from 'node:module';
import { commanderExitCode, ExitCode } from '@drover/platform';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiClient } from './client.js';
import * as cmd from './commands.js';
import { trustApiCa } from './tls.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

const program = new Command('channelctl')
  .description('Start, stop, reload and inspect Drover channels.')
  .version(VERSION)
  .addOption(new Option('--api <url>', 'Drover API').env('DROVER_API').default('http://127.0.0.1:7070'))
  .addOption(new Option('--token <token>', 'API token (its role decides what it may do)').env('DROVER_TOKEN'))
  .addOption(
    new Option('--ca <file>', "CA certificate (PEM) that signed an https:// API's certificate").env(
      'DROVER_API_CA',
    ),
  )
  .addOption(
    new Option('--channels-dir <dir>', 'where channels live')
      .env('DROVER_CHANNELS_DIR')
      .default('./channels'),
  )
  .option('--json', 'print the API shapes as JSON', false)
  .showHelpAfterError()
  .exitOverride();

function context(): cmd.Context {
  const o = program.opts<{ api: string; token?: string; ca?: string; channelsDir: string; json: boolean }>();
  if (o.ca !== undefined) {
    if (o.api.startsWith('https:')) trustApiCa(o.ca);
    else process.stderr.write(`channelctl: --ca ignored: the API ${o.api} is not https://\n`);
  }
  return {
    client: new ApiClient(o.api, o.token),
    channelsDir: o.channelsDir,
    output: {
      json: o.json,
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
    },
  };
}

let exitCode: number = ExitCode.OK;
const run = (fn: () => Promise<number>) => async () => {
  exitCode = await fn();
};

interface WaitFlags {
  wait?: boolean;
  timeout: number;
  tenant?: string;
}
const waitOf = (o: WaitFlags): cmd.WaitOptions => ({ wait: o.wait === true, timeoutMs: o.timeout * 1000 });

function oneOf(ref: string | undefined, tenant: string | undefined, what: string): void {
  if ((ref === undefined) === (tenant === undefined)) {
    throw new cmd.UsageError(`${what}: give either TENANT/CHANNEL or --tenant T`);
  }
}

program
  .command('start')
  .description('validate, upload and start a channel (or every channel of a tenant with start_by_tenant)')
  .argument('[tenant/channel]')
  .option('--tenant <tenant>', 'every channel of this tenant')
  .option('--wait', 'return once every instance runs')
  .option('--timeout <seconds>', 'with --wait', seconds, 60)
  .action(async (ref: string | undefined, o: WaitFlags) => {
    oneOf(ref, o.tenant, 'start');
    await run(() =>
      ref !== undefined
        ? cmd.start(context(), ref, waitOf(o))
        : cmd.startTenant(context(), o.tenant ?? '', waitOf(o)),
    )();
  });

program
  .command('stop')
  .description('stop a channel (or every channel of a tenant with stop_by_tenant)')
  .argument('[tenant/channel]')
  .option('--tenant <tenant>', 'every channel of this tenant')
  .option('--wait', 'return once every instance has stopped')
  .option('--timeout <seconds>', 'with --wait', seconds, 60)
  .action(async (ref: string | undefined, o: WaitFlags) => {
    oneOf(ref, o.tenant, 'stop');
    await run(() =>
      ref !== undefined
        ? cmd.stop(context(), ref, waitOf(o))
        : cmd.stopTenant(context(), o.tenant ?? '', waitOf(o)),
    )();
  });

program
  .command('reload')
  .description(
    'restart the instances of a started channel (reload_action: kill_then_start), rolling: one application after another, one instance at a time',
  )
  .argument('<tenant/channel>')
  .option('--wait', 'return once the rolling restart is done')
  .option('--timeout <seconds>', 'with --wait', seconds, 120)
  .action(async (ref: string, o: WaitFlags) => run(() => cmd.reload(context(), ref, waitOf(o)))());

program
  .command('status')
  .description('one channel in detail, or every channel')
  .argument('[tenant/channel]')
  .action(async (ref: string | undefined) => run(() => cmd.status(context(), ref))());

program
  .command('runners')
  .description('live runners with their tags')
  .action(async () => run(() => cmd.runners(context()))());

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number >= 0');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new InvalidArgumentError('expected a whole number from 1 to 10000');
  return n;
}

program
  .command('logs')
  .description("an instance's output (from its runner's log files), the last N records; --follow for more")
  .argument('<tenant/channel/app>')
  .option('--instance <index>', 'which instance', count, 0)
  .option('--tail <n>', 'records from the end', count, 100)
  .option('-f, --follow', 'keep printing new records')
  .action(async (ref: string, o: { instance: number; tail: number; follow?: boolean }) =>
    run(() => cmd.logs(context(), ref, { instance: o.instance, tail: o.tail, follow: o.follow === true }))(),
  );

program
  .command('audit')
  .description('who did what, from where, to which channel, and how it ended (needs role operate or admin)')
  .option('--since <duration|time>', 'a duration back from now (90m, 24h, 7d) or an ISO 8601 time', '24h')
  .option('--limit <n>', 'entries at most (the newest)', positive, 1000)
  .action(async (o: { since: string; limit: number }) => run(() => cmd.audit(context(), o))());

program
  .command('validate')
  .description('check a channel on disk (file:line:column for every problem); changes nothing')
  .argument('<tenant/channel>')
  .action(async (ref: string) => run(() => cmd.validate(context(), ref))());

try {
  await program.parseAsync();
  process.exitCode = exitCode;
} catch (err) {
  const code = commanderExitCode(err);
  if (code !== undefined) process.exitCode = code;
  else if (err instanceof cmd.UsageError) {
    process.stderr.write(`channelctl: ${err.message}\n`);
    process.exitCode = ExitCode.USAGE;
  } else {
    process.stderr.write(`channelctl: ${(err as Error).message}\n`);
    process.exitCode = ExitCode.FAILURE;
  }
}
