/**
 * What every Drover process shares: the platform file, flag values, logging, SIGTERM handling
 * and exit codes. Nothing here loads etcd or gRPC: pipeline children (punchlinectl) import this
 * entry; the daemons get their etcd connection from `@drover/platform/etcd`.
 *
 *   import { createLogger, ExitCode, readPlatformConfig } from '@drover/platform';
 *   import { storeFromSettings } from '@drover/platform/etcd';
 */
export { readApiTokenFile, readPlatformConfig, readSecretFile } from './config-file.js';
export { AccessRefusedError, ConfigError } from './errors.js';
export { commanderExitCode, ExitCode } from './exit-codes.js';
export { type KafkaConnectionsOptions, kafkaConnections } from './kafka.js';
export { createLogger, type Logger } from './logger.js';
export { exitOnFatal, fatalExitCode, onShutdown } from './shutdown.js';
export {
  parseHostPort,
  parseKafkaCluster,
  parseList,
  parsePositiveInt,
  parseSearchCluster,
  parseUrls,
} from './values.js';
