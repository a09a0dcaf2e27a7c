import { randomBytes } from 'node:crypto';

export const KAFKA_VERSION = '3.9.1';
/** Kafka 3.9 logs through log4j 1 and publishes no backend in its POMs: these two are added by hand. */
const LOGGING_BACKEND = [
  { groupId: 'org.slf4j', artifactId: 'slf4j-reload4j', version: '1.7.36' },
  { groupId: 'ch.qos.reload4j', artifactId: 'reload4j', version: '1.2.25' },
];

/** A POM whose runtime closure is the whole broker classpath (kafka_2.13 brings every Kafka module). */
export function renderPom(kafkaVersion = KAFKA_VERSION): string {
  const deps = [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: kafkaVersion },
    ...LOGGING_BACKEND,
  ]
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId>` +
        `<version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.drover.local</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>${kafkaVersion}</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/**
 * A POM whose runtime closure is Kafka's command-line tools (kafka-tools: ProducerPerformance,
 * ConsumerPerformance), which bring their own slf4j-reload4j binding.
 */
export function renderToolsPom(kafkaVersion = KAFKA_VERSION): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.drover.local</groupId>
  <artifactId>kafka-tools-libs</artifactId>
  <version>${kafkaVersion}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${kafkaVersion}</version></dependency>
  </dependencies>
</project>
`;
}

export interface BrokerConfig {
  dataDir: string;
  port: number;
  controllerPort: number;
  /** TLS and SASL_SSL listeners beside the PLAINTEXT one (see BrokerSecurity). */
  security?: BrokerSecurity;
}

/** The SASL mechanisms the SASL_SSL listener offers; every user gets a credential for each. */
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

/** A client identity of the SASL_SSL listener (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 alike). */
export interface KafkaUser {
  /** Letters, digits, `.`, `_` and `-` (the StorageTool and JAAS syntaxes take nothing else unquoted). */
  readonly name: string;
  readonly password: string;
}

/**
 * A broker as a secured platform runs it, for tests: an `SSL` listener that requires a client
 * certificate signed by the CA in `truststoreFile`, and a `SASL_SSL` listener (server
 * authentication only) offering PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. The PLAINTEXT listener
 * stays, for the readiness check and the broker's own inter-broker traffic.
 */
export interface BrokerSecurity {
  readonly sslPort: number;
  readonly saslSslPort: number;
  /** PEM: the broker's private key (PKCS#8, unencrypted) followed by its certificate chain (KIP-651). */
  readonly keystoreFile: string;
  /** PEM: the CA certificates that client certificates must chain to. */
  readonly truststoreFile: string;
  /** PLAIN users (SCRAM credentials are added to the metadata log when the storage is formatted). */
  readonly users: readonly KafkaUser[];
  /**
   * `connections.max.reauth.ms` of the SASL_SSL listener (KIP-368): a client must authenticate
   * again within this long, or the broker closes its connection. Unset: sessions never expire.
   */
  readonly reauthMs?: number;
}

const USER_NAME = /^[A-Za-z0-9._-]+$/;
/** What a password may hold here: nothing the JAAS line or the StorageTool argument would need quoted. */
const USER_PASSWORD = /^[A-Za-z0-9._~!@%^&*+:?/-]+$/;

/** Throws when a user cannot be written into the JAAS line or the StorageTool argument as is. */
export function checkKafkaUser(user: KafkaUser): void {
  if (!USER_NAME.test(user.name))
    throw new Error(`Kafka user name "${user.name}": letters, digits, ".", "_" and "-" only`);
  if (!USER_PASSWORD.test(user.password))
    throw new Error(
      `password of Kafka user "${user.name}": letters, digits and ._~!@%^&*+:?/- only (no quotes, "=", ",", ";", brackets or spaces)`,
    );
}

/** The SCRAM variants Kafka stores a credential for (one `--add-scram` or `--add-config` each). */
export const SCRAM_MECHANISMS = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

/**
 * `--add-config` of `kafka-configs --entity-type users` for one SCRAM variant (one per request:
 * the broker refuses two credentials of one user in one request, DuplicateResourceException).
 */
export function scramConfigValue(user: KafkaUser, mechanism: ScramMechanism): string {
  checkKafkaUser(user);
  return `${mechanism}=[password=${user.password}]`;
}

/** `--add-scram` arguments of `kafka-storage format`: one SCRAM credential per user and mechanism. */
export function scramFormatArgs(users: readonly KafkaUser[]): string[] {
  return users.flatMap((user) => {
    checkKafkaUser(user);
    return SCRAM_MECHANISMS.flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${user.name},password=${user.password}]`,
    ]);
  });
}

function securityProperties(s: BrokerSecurity): Record<string, string> {
  for (const user of s.users) checkKafkaUser(user);
  const plainUsers = s.users.map((u) => ` user_${u.name}="${u.password}"`).join('');
  return {
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': s.keystoreFile,
    'ssl.truststore.type': 'PEM',
    'ssl.truststore.location': s.truststoreFile,
    'listener.name.ssl.ssl.client.auth': 'required',
    'listener.name.sasl_ssl.ssl.client.auth': 'none',
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': SASL_MECHANISMS.join(','),
    'listener.name.sasl_ssl.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required${plainUsers};`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    ...(s.reauthMs === undefined
      ? {}
      : { 'listener.name.sasl_ssl.connections.max.reauth.ms': String(s.reauthMs) }),
  };
}

/** Single combined broker+controller on loopback, static quorum, tuned for a fast small test node. */
export function renderServerProperties({ dataDir, port, controllerPort, security }: BrokerConfig): string {
  const advertised = [
    `PLAINTEXT://127.0.0.1:${port}`,
    ...(security === undefined
      ? []
      : [`SSL://127.0.0.1:${security.sslPort}`, `SASL_SSL://127.0.0.1:${security.saslSslPort}`]),
  ];
  const lines: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: [...advertised, `CONTROLLER://127.0.0.1:${controllerPort}`].join(','),
    'advertised.listeners': advertised.join(','),
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': `CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${security === undefined ? '' : ',SSL:SSL,SASL_SSL:SASL_SSL'}`,
    'log.dirs': dataDir,
    // Tests create every topic they use: a typo must fail, not silently create a topic.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'background.threads': 2,
    // The cleaner allocates this on the heap up front (128 MiB by default).
    'log.cleaner.dedupe.buffer.size': 2097152,
    'log.segment.bytes': 16777216,
    // Scratch data, bounded: a partition keeps at most 1 GiB, closed segments at most a day (a
    // developer's broker had grown to 35 GB of old test and benchmark topics). Topics set their own.
    'log.retention.bytes': 1073741824,
    'log.retention.hours': 24,
    'delete.topic.enable': true,
    ...(security === undefined ? {} : securityProperties(security)),
  };
  return `${Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

export const BROKER_LOG4J = `log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
`;

export const TOOLS_LOG4J = `log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
`;

/** Same shape as Kafka's Uuid.randomUuid(): 16 random bytes, URL-safe base64, never starting with '-'. */
export function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** `cluster.id` from a formatted log dir's meta.properties. */
export function parseClusterId(metaProperties: string): string | undefined {
  return /^cluster\.id=(.+)$/m.exec(metaProperties)?.[1]?.trim();
}

export const BROKER_JVM_OPTS = [
  '-Xms256m',
  '-Xmx512m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];
