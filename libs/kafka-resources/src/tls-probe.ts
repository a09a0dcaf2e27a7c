/**
 * One TLS connection to a broker with a cluster's TLS settings, carrying one ApiVersions request
 * (brokers answer it before any SASL exchange, KIP-35): what the broker's TLS layer said when it
 * refused us. @platformatic/kafka reports a refused client certificate only as "Connection
 * closed" (on TLS 1.3 the broker's alert arrives after the handshake, and the client drops it);
 * this is asked only after a failed connection, to name the cause.
 */
import { connect, type TLSSocket } from 'node:tls';
import { setLongTimeout } from '@drover/timers';
import type { KafkaTls } from './connection.js';

/** ApiVersions v0 (api key 18), correlation id 1, null client id: size, then the request header v1. */
const API_VERSIONS_V0 = Buffer.from([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);

/** `host:port` or `[v6]:port` into its parts. */
export function splitBroker(broker: string): { host: string; port: number } {
  const at = broker.lastIndexOf(':');
  return { host: broker.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(broker.slice(at + 1)) };
}

/**
 * Resolves with the TLS error the broker's side produced (`"...alert certificate required..."`),
 * `"closed"` when it closed the connection without answering, or undefined when the request was
 * answered (TLS is not the problem) or nothing happened within `timeoutMs`.
 */
export function probeTls(broker: string, tls: KafkaTls, timeoutMs = 3_000): Promise<string | undefined> {
  const { host, port } = splitBroker(broker);
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    let settled = false;
    const finish = (result: string | undefined) => {
      if (settled) return;
      settled = true;
      timer.clear();
      socket?.destroy();
      resolve(result);
    };
    const timer = setLongTimeout(() => finish(undefined), timeoutMs);
    try {
      socket = connect({
        host,
        port,
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.cert === undefined ? {} : { cert: tls.cert }),
        ...(tls.key === undefined ? {} : { key: tls.key }),
        ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
      });
    } catch (err) {
      finish((err as Error).message);
      return;
    }
    socket.once('secureConnect', () => socket?.write(API_VERSIONS_V0));
    socket.once('data', () => finish(undefined));
    socket.once('error', (err) => finish(err.message));
    socket.once('close', () => finish('closed'));
  });
}
