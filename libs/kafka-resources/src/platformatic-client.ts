/**
 * The one place @platformatic/kafka's options and errors are translated: our connection defaults,
 * and its errors (often a MultipleErrors of retries, each with causes) into one readable line with
 * our error code. The data path (producer, consumer) runs on @platformatic/kafka; kafkajs stays
 * for topic administration (kafkajs-admin.ts).
 */
import type { BaseOptions } from '@platformatic/kafka';
import type { KafkaResourceErrorCode } from './errors.js';

export interface ConnectionSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Bound on opening one connection (TCP and Kafka handshake), ms. */
  readonly connectTimeoutMs: number;
  /** Bound on one request's answer, ms. */
  readonly requestTimeoutMs: number;
  /** Attempts after the first, and the pause between them (ms). */
  readonly retries: number;
  readonly retryDelayMs: number;
}

export function baseOptions(s: ConnectionSettings): BaseOptions {
  return {
    clientId: s.clientId,
    bootstrapBrokers: [...s.brokers],
    connectTimeout: s.connectTimeoutMs,
    requestTimeout: s.requestTimeoutMs,
    timeout: s.requestTimeoutMs,
    retries: s.retries,
    retryDelay: s.retryDelayMs,
    // Never create a topic by producing to it or reading it: a typo must fail.
    autocreateTopics: false,
  };
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

/** Whether the error says no broker could be reached (as opposed to a refused request). */
export function isUnreachable(err: unknown): boolean {
  const text = describeKafkaError(err);
  return /Cannot connect to any broker|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection to .* timed out|connection .*closed/i.test(
    text,
  );
}

export function errorCode(err: unknown): KafkaResourceErrorCode {
  return isUnreachable(err) ? 'KAFKA_UNREACHABLE' : 'KAFKA_REQUEST_FAILED';
}
