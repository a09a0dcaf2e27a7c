/**
 * A Kafka broker of a test's own, secured as a real platform's front cluster: an SSL listener
 * that requires client certificates, and a SASL_SSL listener offering PLAIN, SCRAM-SHA-256 and
 * SCRAM-SHA-512 (deploy/dev's startKafka with `security`). Certificates are made with `openssl`
 * here (certs.ts); the SCRAM users are written by the broker's own `kafka-storage format
 * --add-scram`. The shared dev broker stays plain for the other tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KafkaHandle, startKafka } from '@drover/dev-services';
import { createCa, type Issued, issueCertificate } from './certs.js';

/** The name the broker's certificate carries besides 127.0.0.1 (for `tls.server_name`). */
export const BROKER_NAME = 'kafka-broker.test';
export const KAFKA_USER = { name: 'drover', password: 'drover-secret' } as const;

export interface SecureKafka {
  readonly dir: string;
  readonly handle: KafkaHandle;
  /** PLAINTEXT, for setting things up. */
  readonly plaintext: string[];
  /** SSL, client certificate required. */
  readonly ssl: string[];
  /** SASL_SSL, server certificate only. */
  readonly saslSsl: string[];
  /** The CA of the broker's certificate and of the client certificates it accepts. */
  readonly ca: Issued;
  /** A client certificate signed by `ca`. */
  readonly client: Issued;
  /** A CA the broker does not know, and a client certificate it signed. */
  readonly rogueCa: Issued;
  readonly rogueClient: Issued;
  stop(): Promise<void>;
}

export async function startSecureKafka(options: { reauthMs?: number } = {}): Promise<SecureKafka> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-kafka-secure-'));
  const ca = createCa(dir, 'kafka-ca');
  const rogueCa = createCa(dir, 'rogue-ca');
  const server = issueCertificate(dir, ca, 'broker', {
    cn: BROKER_NAME,
    usage: 'server',
    altNames: [`DNS:${BROKER_NAME}`, 'IP:127.0.0.1'],
  });
  const client = issueCertificate(dir, ca, 'client', { cn: 'drover', usage: 'client' });
  const rogueClient = issueCertificate(dir, rogueCa, 'rogue-client', { cn: 'drover', usage: 'client' });
  let handle: KafkaHandle;
  try {
    handle = await startKafka({
      dir: join(dir, 'kafka'),
      security: {
        certFile: server.certFile,
        keyFile: server.keyFile,
        caFile: ca.certFile,
        users: [KAFKA_USER],
        ...(options.reauthMs === undefined ? {} : { reauthMs: options.reauthMs }),
      },
    });
  } catch (err) {
    // startKafka stopped what it started; the keys and the broker's files go too.
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const secure = handle.secure;
  if (secure === undefined) throw new Error('startKafka returned no secure listeners');
  return {
    dir,
    handle,
    plaintext: handle.brokers,
    ssl: secure.sslBrokers,
    saslSsl: secure.saslSslBrokers,
    ca,
    client,
    rogueCa,
    rogueClient,
    stop: async () => {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
