export { readPlatformConfig, readSecretFile } from './config-file.js';
export { ConfigError } from './errors.js';
export { type EtcdSettings, etcdSettings, storeFromSettings } from './etcd.js';
export { EtcdAccessError, type EtcdAccessProblem } from './etcd-probe.js';
export { createLogger, type Logger } from './logger.js';
export { exitOnFatal, onShutdown } from './shutdown.js';
export { parseHostPort, parseKafkaCluster, parseList, parsePositiveInt, parseUrls } from './values.js';
