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
import { type ControllerFlags, resolveControllerConfig } from './config.js';
import { Controller, VERSION } from './controller.js';
import { checkKafkaAccess } from './topics.js';

const program = new Command('drover-controller')
  .description(
    'Leader-elected controller: reconciles channels into resources (Kafka topics, index templates) and placements; serves the API.',
  )
  .version(VERSION)
  .addOption(new Option('--config <file>', 'platform file').env('DROVER_CONFIG'))
  .addOption(new Option('--etcd <urls>', 'etcd endpoints, comma-separated').env('DROVER_ETCD_ENDPOINTS'))
  .addOption(new Option('--prefix <prefix>', 'key prefix in etcd (default /drover)').env('DROVER_PREFIX'))
  .addOption(new Option('--listen <host:port>', 'API address (default 127.0.0.1:7070)').env('DROVER_LISTEN'))
  .addOption(
    new Option('--kafka-cluster <name=host:port,...>', 'a Kafka cluster by name; repeatable')
      .env('DROVER_KAFKA_CLUSTERS')
      .argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        ...value.split(';'),
      ]),
  )
  .addOption(
    new Option(
      '--search-cluster <name=url,...>',
      'a search cluster (Elasticsearch, OpenSearch) by name; repeatable',
    )
      .env('DROVER_SEARCH_CLUSTERS')
      .argParser((value: string, previous: string[] | undefined) => [
        ...(previous ?? []),
        ...value.split(';'),
      ]),
  )
  .addOption(
    new Option(
      '--election-ttl <seconds>',
      'leader lease TTL: a dead leader is replaced within it (default 3)',
    ).env('DROVER_ELECTION_TTL'),
  )
  .addOption(
    new Option('--token-file <file>', 'API tokens with their roles (read, operate, admin)').env(
      'DROVER_TOKEN_FILE',
    ),
  )
  .addOption(
    new Option('--tls-cert <file>', 'serve the API over HTTPS: the certificate (chain), PEM').env(
      'DROVER_API_TLS_CERT',
    ),
  )
  .addOption(
    new Option('--tls-key <file>', "the API certificate's private key, PEM").env('DROVER_API_TLS_KEY'),
  )
  .addOption(
    new Option('--audit-retention <duration>', 'audit entries older than this are purged (default 365d)').env(
      'DROVER_AUDIT_RETENTION',
    ),
  )
  .addOption(
    new Option('--audit-max-entries <n>', 'audit entries kept at most (default 100000)').env(
      'DROVER_AUDIT_MAX_ENTRIES',
    ),
  )
  .addOption(new Option('--id <id>', 'controller identity (default host:port)').env('DROVER_CONTROLLER_ID'))
  .addOption(
    new Option('--log-store-url <url>', 'PostgreSQL log store the console searches (postgres://...)').env(
      'DROVER_LOG_STORE_URL',
    ),
  )
  .addOption(
    new Option('--log-store-password-file <file>', "the log store's password").env(
      'DROVER_LOG_STORE_PASSWORD_FILE',
    ),
  )
  .addOption(
    new Option('--log-store-table <[schema.]table>', 'the log table (default public.logs)').env(
      'DROVER_LOG_STORE_TABLE',
    ),
  )
  .showHelpAfterError()
  .exitOverride((err) => process.exit(commanderExitCode(err) ?? ExitCode.USAGE));

program.parse();
const logger = createLogger('drover-controller');

try {
  const flags = program.opts<{ config?: string } & ControllerFlags>();
  const config = await resolveControllerConfig(await readPlatformConfig(flags.config), flags);
  await checkKafkaAccess(config.kafkaClusters, logger);
  const store = await storeFromSettings(config.etcd);
  const controller = new Controller(config, store, logger);
  onShutdown(logger, () => controller.stop());
  await controller.start();
} catch (err) {
  exitOnFatal(logger, err);
}
