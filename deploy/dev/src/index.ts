export { type Command, parseArgs, USAGE, UsageError } from './args.js';
export {
  CHANNELS as DEMO_CHANNELS,
  type DemoLayout,
  type DemoPaths,
  demoLayout,
  demoPaths,
} from './demo/layout.js';
export {
  DevServicesError,
  JarResolutionError,
  LockTimeoutError,
  PortInUseError,
  PrerequisiteError,
  ServiceCallError,
  ServiceStartError,
} from './errors.js';
export {
  type EtcdClientTls,
  type EtcdHandle,
  type EtcdOptions,
  type EtcdTls,
  etcdHealthy,
  etcdHttp,
  startEtcd,
} from './etcd.js';
export { type EtcdUser, enableEtcdAuth } from './etcd-auth.js';
export { ensureKafkaJars, ensureKafkaToolsJars, jarsSize, type KafkaJars } from './jars.js';
export {
  type KafkaClusterInfo,
  type KafkaHandle,
  type KafkaOptions,
  type KafkaSecurityOptions,
  kafkaReady,
  setKafkaScramUser,
  startKafka,
} from './kafka.js';
export {
  KAFKA_VERSION,
  type KafkaUser,
  SASL_MECHANISMS,
  SCRAM_MECHANISMS,
  type ScramMechanism,
  TOOLS_LOG4J,
} from './kafka-config.js';
export { acquireLock, type Lock } from './lock.js';
export { cacheDir, repoRoot, stateDir } from './paths.js';
export { assertPortFree, freePort, freePorts, isPortFree } from './ports.js';
export {
  ensurePostgresInstalled,
  POSTGRES_DATABASE,
  POSTGRES_USER,
  type PostgresHandle,
  type PostgresOptions,
  postgresReady,
  postgresUrl,
  startPostgres,
  stopPostgres,
} from './postgres.js';
export {
  ensureChromium,
  ensureEtcdInstalled,
  ensureJava,
  ensureMaven,
  ensureRsyslog,
  ensureSyslogNg,
  ensureSystemdAnalyze,
  RSYSLOG_MODULE_DIR,
  RSYSLOG_PACKAGES,
  SYSLOG_NG_LIBRARIES,
  SYSLOG_NG_PACKAGE,
  type SyslogNg,
} from './prereq.js';
export { isAlive } from './process.js';
export {
  ensureSearchHome,
  type SearchHandle,
  type SearchOptions,
  searchHandleFor,
  searchHealthy,
  startSearch,
} from './search.js';
export { OPENSEARCH_VERSION } from './search-config.js';
export {
  defaultDirs,
  down,
  envLines,
  type ServiceStatus,
  type ServicesDirs,
  status,
  type UpResult,
  up,
} from './services.js';
export {
  type EtcdRecord,
  type KafkaRecord,
  type PostgresRecord,
  readState,
  SERVICE_NAMES,
  type SearchRecord,
  type ServiceName,
  type ServicesState,
} from './state.js';
