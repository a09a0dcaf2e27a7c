/**
 * Why a connection to a Kafka cluster failed, in an operator's words: a refused SASL login, a
 * client certificate the brokers refuse, a broker certificate that does not verify, TLS spoken to
 * a plaintext listener or the reverse. Both client libraries bury the reason in retry and
 * aggregate errors; this reads the text they produce and names the cluster and the setting to
 * look at (first-contact.ts gets that text from one unretried connection; test/security.test.ts
 * runs every case against a real secured broker, connection-errors.test.ts pins the words).
 */
import { type KafkaConnection, securityProtocol } from './connection.js';
import type { KafkaResourceErrorCode } from './errors.js';

/** What first contact says when a broker answered ApiVersions, then closed on Metadata (first-contact.ts). */
export const SASL_EXPECTED = 'closed the connection on the first request after ApiVersions';

export interface ConnectionProblem {
  readonly code: KafkaResourceErrorCode;
  /** What is wrong and which setting to look at. */
  readonly reason: string;
}

/** TLS alerts a broker sends when it refuses the client's certificate (or its absence). */
const CLIENT_CERT_ALERT =
  /alert (bad certificate|certificate unknown|certificate required|unknown ca|certificate expired|certificate revoked|unsupported certificate|access denied|handshake failure)/i;
const SERVER_CERT_UNVERIFIED =
  /(unable to verify the first certificate|unable to get (?:local )?issuer certificate|self[- ]signed certificate(?: in certificate chain)?|certificate has expired|certificate is not yet valid|certificate signature failure|unable to get certificate CRL)/i;
const NAME_MISMATCH = /(Hostname\/IP does not match certificate's altnames: [^<\]]*?)(?: <-|\]|$)/;
const SASL_REFUSED =
  /SASL .*authentication failed|SASL authentication failed|Authentication failed|invalid credentials|Invalid username or password/i;
const NO_TLS_HERE =
  /before secure TLS connection was established|TLS handshake failed|wrong version number|packet length too long/i;
const CLOSED = /Closed connection|Connection closed/i;

function saslWho(c: KafkaConnection): string {
  const s = c.sasl;
  return s === undefined ? '' : `SASL ${s.mechanism} authentication of user "${s.username}"`;
}

/**
 * The problem the failure `text` (the library's words, causes included) shows, or undefined when
 * it shows none of these (an unreachable broker, a timeout: the caller's own message stands).
 */
export function diagnoseConnection(c: KafkaConnection, text: string): ConnectionProblem | undefined {
  const tls = c.tls;
  const sasl = c.sasl;
  if (sasl !== undefined && SASL_REFUSED.test(text) && !CLIENT_CERT_ALERT.test(text)) {
    const from = sasl.passwordFile === undefined ? '' : ` (password from ${sasl.passwordFile})`;
    return {
      code: 'KAFKA_AUTHENTICATION_FAILED',
      reason: `${saslWho(c)} was refused: wrong user name or password${from}, or no such user on the cluster`,
    };
  }
  if (sasl !== undefined && /not valid given the current SASL state|IllegalSaslState/i.test(text)) {
    return {
      code: 'KAFKA_AUTHENTICATION_FAILED',
      reason: `the listener takes no SASL at all (a PLAINTEXT or SSL port?), and this cluster has sasl settings (${securityProtocol(c)})`,
    };
  }
  if (
    sasl !== undefined &&
    /Cannot find a suitable SASL mechanism|UnsupportedSaslMechanism|mechanism .* not enabled/i.test(text) &&
    !CLOSED.test(text)
  ) {
    return {
      code: 'KAFKA_AUTHENTICATION_FAILED',
      reason: `the brokers do not offer SASL ${sasl.mechanism} on this listener (sasl.mechanism)`,
    };
  }
  if (sasl === undefined && text.includes(SASL_EXPECTED)) {
    return {
      code: 'KAFKA_AUTHENTICATION_FAILED',
      reason: `the broker answered, then ${SASL_EXPECTED}: its listener requires SASL authentication and this cluster has no sasl settings (${securityProtocol(c)})`,
    };
  }
  const alert = CLIENT_CERT_ALERT.exec(text);
  if (alert !== null) {
    const cert = tls?.files?.cert;
    return {
      code: 'KAFKA_TLS_FAILED',
      reason:
        `the brokers refused the TLS handshake (alert "${alert[1]}"): ` +
        (cert === undefined
          ? 'they require a client certificate and tls.cert / tls.key give none'
          : `they do not accept the client certificate tls.cert ${cert} (signed by a CA they do not trust, expired, or not for client authentication)`),
    };
  }
  const unverified = SERVER_CERT_UNVERIFIED.exec(text);
  if (unverified !== null) {
    const ca =
      tls?.files?.ca === undefined ? "Node's public CAs (no tls.ca given)" : `tls.ca ${tls.files.ca}`;
    return {
      code: 'KAFKA_TLS_FAILED',
      reason: `the brokers' certificate does not verify against ${ca}: ${unverified[1]}`,
    };
  }
  const mismatch = NAME_MISMATCH.exec(text);
  if (mismatch !== null) {
    const name = tls?.serverName === undefined ? 'the broker address' : `tls.server_name ${tls.serverName}`;
    return {
      code: 'KAFKA_TLS_FAILED',
      reason: `the brokers' certificate is not for ${name}: ${(mismatch[1] ?? '').trim()} (set tls.server_name to a name it carries)`,
    };
  }
  if (/Broker requires TLS/i.test(text) || (tls === undefined && CLOSED.test(text))) {
    return {
      code: 'KAFKA_TLS_FAILED',
      reason: `the broker closed the connection before answering: its listener may expect TLS, and this cluster has no tls settings (${securityProtocol(c)})`,
    };
  }
  if (tls !== undefined && NO_TLS_HERE.test(text)) {
    return {
      code: 'KAFKA_TLS_FAILED',
      reason: `no TLS on this listener: the cluster has tls settings (${securityProtocol(c)}) but the broker does not speak TLS there (a PLAINTEXT or SASL_PLAINTEXT port?)`,
    };
  }
  if (CLOSED.test(text)) {
    return {
      code: 'KAFKA_UNREACHABLE',
      reason:
        `the broker closed the connection before answering (${securityProtocol(c)}): ` +
        (sasl === undefined
          ? 'does its listener expect SASL (no sasl settings)?'
          : 'does its listener expect another security protocol?'),
    };
  }
  return undefined;
}

interface ErrorLike {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown;
}

/** Every distinct message in an error, its aggregated errors and their causes, outermost first. */
function messages(err: unknown, seen: Set<string>, out: string[], depth = 0): void {
  if (err === null || err === undefined || depth > 8) return;
  const e = err as ErrorLike;
  const text = typeof e.message === 'string' ? e.message : String(err);
  if (text !== '' && !seen.has(text)) {
    seen.add(text);
    out.push(text);
  }
  if (Array.isArray(e.errors)) for (const inner of e.errors) messages(inner, seen, out, depth + 1);
  if (e.cause !== undefined) messages(e.cause, seen, out, depth + 1);
}

/** `"metadata failed 3 times. Cannot connect to any broker. connect ECONNREFUSED 127.0.0.1:1"`. */
export function describeKafkaError(err: unknown): string {
  const out: string[] = [];
  messages(err, new Set(), out);
  return out.join(': ').replaceAll('.:', ':');
}
