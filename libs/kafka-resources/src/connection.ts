/**
 * How to reach one Kafka cluster: its brokers, TLS and SASL. Every client of this package (the
 * topic admin on kafkajs, the producer and the consumer on @platformatic/kafka) is built from
 * this one shape; `kafkajsConnectionOptions` and `platformaticConnectionOptions` turn it into
 * each library's options. The platform file's `kafka.clusters.<name>` (`@drover/channel-model`'s
 * `kafkaClusterSchema`) becomes one of these once its files are read (`@drover/platform`).
 */

/** Kafka's own spelling (`sasl.mechanism`). */
export type KafkaSaslMechanismName = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface KafkaTls {
  /** PEM CA certificates that verify the brokers; absent: Node's bundled public CAs. */
  readonly ca?: string | Buffer;
  /** PEM client certificate and its unencrypted private key (listeners with `ssl.client.auth=required`). */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** The name the brokers' certificates are verified against and sent as SNI; default: each broker's host. */
  readonly serverName?: string;
  /** Where `ca`, `cert` and `key` were read from, named in error messages. */
  readonly files?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
}

export interface KafkaSasl {
  readonly mechanism: KafkaSaslMechanismName;
  readonly username: string;
  readonly password: string;
  /** Where the password was read from, named in error messages. */
  readonly passwordFile?: string;
}

export interface KafkaConnection {
  /** `host:port` seeds; prefer `127.0.0.1` to `localhost` (Node may resolve it to `::1`). */
  readonly brokers: readonly string[];
  /** The cluster's name in the platform file (`kafka_front`): every error names it. */
  readonly cluster?: string;
  /** TLS to every broker (Kafka's SSL, or SASL_SSL with `sasl`). */
  readonly tls?: KafkaTls;
  /** SASL authentication on every connection (SASL_SSL with `tls`, SASL_PLAINTEXT without). */
  readonly sasl?: KafkaSasl;
}

/** `Kafka cluster "kafka_front" (k1:9093,k2:9093)`, or `Kafka brokers k1:9092` for a bare broker list. */
export function connectionLabel(c: KafkaConnection): string {
  const brokers = c.brokers.join(',');
  return c.cluster === undefined ? `Kafka brokers ${brokers}` : `Kafka cluster "${c.cluster}" (${brokers})`;
}

/** `PLAINTEXT`, `SSL`, `SASL_SSL` or `SASL_PLAINTEXT`: Kafka's name for how the connection is made. */
export function securityProtocol(c: KafkaConnection): string {
  if (c.sasl === undefined) return c.tls === undefined ? 'PLAINTEXT' : 'SSL';
  return c.tls === undefined ? 'SASL_PLAINTEXT' : 'SASL_SSL';
}

/** Only the connection fields of a larger options object (so that nothing else travels with them). */
export function connectionOf(o: KafkaConnection): KafkaConnection {
  return {
    brokers: o.brokers,
    ...(o.cluster === undefined ? {} : { cluster: o.cluster }),
    ...(o.tls === undefined ? {} : { tls: o.tls }),
    ...(o.sasl === undefined ? {} : { sasl: o.sasl }),
  };
}
