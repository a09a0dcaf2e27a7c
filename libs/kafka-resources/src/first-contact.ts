/**
 * One connection to a cluster, without retries: TCP, TLS and the SASL login, then an ApiVersions
 * round trip (KIP-35) and a Metadata request for no topic (which, unlike ApiVersions, a SASL
 * listener answers only once authenticated), on each seed broker in turn until one answers. It
 * tells at once a cluster that refuses us (a login, a certificate: no retry will fix it) from one
 * that does not answer, where the clients' own retries hide the reason under tens of seconds of
 * "Connection closed" (@platformatic/kafka nests its retries: a refused consumer took over a
 * minute to give up).
 *
 * The TLS layer's own words are kept: on TLS 1.3 a broker refuses a client certificate with an
 * alert after the handshake, which the clients report only as a closed connection; the
 * connection's `error` events carry the alert.
 */
import * as kafka from '@platformatic/kafka';
import { connectionLabel, type KafkaConnection } from './connection.js';
import {
  type ConnectionProblem,
  describeKafkaError,
  diagnoseConnection,
  SASL_EXPECTED,
} from './connection-errors.js';
import { KafkaResourceError } from './errors.js';
import { platformaticConnectionOptions } from './platformatic-client.js';

export type ContactResult =
  | { readonly ok: true; readonly broker: string }
  /** `problem`: what the failure shows (undefined: nothing recognised, e.g. nothing answered). */
  | { readonly ok: false; readonly text: string; readonly problem: ConnectionProblem | undefined };

/** `host:port` or `[v6]:port` into its parts. */
export function splitBroker(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  return { host: broker.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(broker.slice(at + 1)) };
}

const METADATA_KEY = 3;
/** The Metadata versions @platformatic/kafka speaks. */
const METADATA = [
  kafka.metadataV0,
  kafka.metadataV1,
  kafka.metadataV2,
  kafka.metadataV3,
  kafka.metadataV4,
  kafka.metadataV5,
  kafka.metadataV6,
  kafka.metadataV7,
  kafka.metadataV8,
  kafka.metadataV9,
  kafka.metadataV10,
  kafka.metadataV11,
  kafka.metadataV12,
] as const;

/** One attempt on one broker; resolves with the failure's text, undefined when it answered. */
async function contactBroker(
  c: KafkaConnection,
  broker: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const { host, port } = splitBroker(broker);
  const { tls, sasl } = platformaticConnectionOptions(c);
  const connection = new kafka.Connection('drover-first-contact', {
    connectTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    ...(tls === undefined ? {} : { tls }),
    ...(sasl === undefined ? {} : { sasl }),
  });
  const seen: unknown[] = [];
  connection.on('error', (err) => seen.push(err));
  let answered = false;
  try {
    await connection.connect(host, port);
    const versions = await kafka.apiVersionsV3.api.async(connection, 'drover', '1');
    answered = true;
    const range = versions.apiKeys.find((k) => k.apiKey === METADATA_KEY);
    const version = Math.min(range?.maxVersion ?? 1, METADATA.length - 1);
    const metadata = METADATA[Math.max(version, range?.minVersion ?? 0)] ?? kafka.metadataV1;
    await metadata.api.async(connection, []);
    return undefined;
  } catch (err) {
    if (answered && c.sasl === undefined && /Connection closed/i.test(describeKafkaError(err))) {
      return `${broker}: ${SASL_EXPECTED}`;
    }
    return `${broker}: ${describeKafkaError({ message: describeKafkaError(err), errors: seen })}`;
  } finally {
    await connection.close().catch(() => {});
  }
}

/**
 * Contacts the seed brokers in order, `timeoutMs` for each step (connect, request). Stops at the
 * first that answers, or at the first refusal (a refusal is the cluster's answer, not a broker's
 * mood); otherwise reports every broker's failure.
 */
export async function firstContact(c: KafkaConnection, timeoutMs = 3_000): Promise<ContactResult> {
  const failures: string[] = [];
  for (const broker of c.brokers) {
    const failure = await contactBroker(c, broker, timeoutMs);
    if (failure === undefined) return { ok: true, broker };
    const problem = diagnoseConnection(c, failure);
    if (problem !== undefined && problem.code !== 'KAFKA_UNREACHABLE')
      return { ok: false, text: failure, problem };
    failures.push(failure);
  }
  const text = failures.join('; ');
  return { ok: false, text, problem: diagnoseConnection(c, text) };
}

/**
 * Throws when first contact shows a refusal (KAFKA_AUTHENTICATION_FAILED, KAFKA_TLS_FAILED), and
 * also when nothing answered if `unreachable` is `'throw'` (KAFKA_UNREACHABLE); the message names
 * the cluster, then the reason and the setting to look at, then the libraries' words.
 */
export async function assertContact(
  c: KafkaConnection,
  options: { readonly unreachable: 'throw' | 'ignore'; readonly timeoutMs?: number },
): Promise<void> {
  const result = await firstContact(c, options.timeoutMs);
  if (result.ok) return;
  const refused = result.problem !== undefined && result.problem.code !== 'KAFKA_UNREACHABLE';
  if (!refused && options.unreachable === 'ignore') return;
  throw new KafkaResourceError(
    result.problem?.code ?? 'KAFKA_UNREACHABLE',
    result.problem === undefined
      ? `cannot reach ${connectionLabel(c)}: ${result.text}`
      : `${connectionLabel(c)}: ${result.problem.reason} [${result.text}]`,
    { cluster: c.cluster },
  );
}
