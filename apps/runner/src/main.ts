import { resolve } from 'node:path';
import {
  commanderExitCode,
  createLogger,
  ExitCode,
  exitOnFatal,
  onShutdown,
  readPlatformConfig,
} from '@drover/platform';
import { storeFromSettings } from '@drover/platform/etcd';
import { Command, Option } from 'commander';
import { resolveRunnerConfig } from './config.js';
import { Runner, VERSION } from './runner.js';

const program = new Command('drover-runner')
  .description('Registers this host with its tags and supervises the application instances placed on it.')
  .version(VERSION)
  .addOption(new Option('--config <file>', 'platform file').env('DROVER_CONFIG'))
  .addOption(new Option('--etcd <urls>', 'etcd endpoints, comma-separated').env('DROVER_ETCD_ENDPOINTS'))
  .addOption(new Option('--prefix <prefix>', 'key prefix in etcd (default /drover)').env('DROVER_PREFIX'))
  .addOption(new Option('--name <name>', 'runner name (default: host name)').env('DROVER_RUNNER_NAME'))
  .addOption(new Option('--cluster <name>', 'runner cluster (default common)').env('DROVER_RUNNER_CLUSTER'))
  .addOption(
    new Option('--tags <a,b>', 'tags, comma-separated (the name is always one)').env('DROVER_RUNNER_TAGS'),
  )
  .addOption(
    new Option('--listen <host:port>', 'HTTP address (default 127.0.0.1:7071)').env('DROVER_RUNNER_LISTEN'),
  )
  .addOption(
    new Option('--workdir <dir>', 'instance work directories (default /var/lib/drover/instances)').env(
      'DROVER_WORKDIR',
    ),
  )
  .addOption(new Option('--lease-ttl <seconds>', 'runner lease TTL (default 5)').env('DROVER_LEASE_TTL'))
  .addOption(
    new Option('--allow-command <name>', 'command children may run; repeatable (default punchlinectl)')
      .env('DROVER_ALLOW_COMMANDS')
      .argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        ...value.split(','),
      ]),
  )
  .addOption(new Option('--stop-grace <seconds>', 'SIGTERM to SIGKILL (default 10)').env('DROVER_STOP_GRACE'))
  .addOption(
    new Option(
      '--default-memory-limit <size>',
      'hard limit of applications without memory_limit (default 512Mi)',
    ).env('DROVER_DEFAULT_MEMORY_LIMIT'),
  )
  .addOption(
    new Option(
      '--memory-enforcement <mode>',
      'auto (cgroup v2, v1, else watchdog) or watchdog (default auto)',
    ).env('DROVER_MEMORY_ENFORCEMENT'),
  )
  .addOption(
    new Option('--watchdog-interval <duration>', 'RSS watchdog period (default 500ms)').env(
      'DROVER_WATCHDOG_INTERVAL',
    ),
  )
  .addOption(
    new Option('--log-dir <dir>', 'instance log files (default <workdir>/_logs)').env('DROVER_LOG_DIR'),
  )
  .addOption(
    new Option('--log-max-bytes <size>', "cap of one instance's log files together (default 16Mi)").env(
      'DROVER_LOG_MAX_BYTES',
    ),
  )
  .showHelpAfterError()
  .exitOverride((err) => process.exit(commanderExitCode(err) ?? ExitCode.USAGE));

program.parse();
const logger = createLogger('drover-runner');

try {
  const flags = program.opts<{ config?: string } & Parameters<typeof resolveRunnerConfig>[1]>();
  // Children (punchlinectl) read the same platform file for their Kafka clusters, from their own
  // work directory: they inherit DROVER_CONFIG, absolute, whether it came as a flag or a variable.
  if (flags.config !== undefined) process.env.DROVER_CONFIG = resolve(flags.config);
  const config = resolveRunnerConfig(await readPlatformConfig(flags.config), flags);
  const store = await storeFromSettings(config.etcd);
  const runner = new Runner(config, store, logger);
  await runner.start();
  onShutdown(logger, () => runner.stop(), config.stopGraceMs + 10_000);
} catch (err) {
  exitOnFatal(logger, err);
}
