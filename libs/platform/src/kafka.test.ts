import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PlatformConfig, parsePlatformConfig, unwrap } from '@drover/channel-model';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCa, type Issued, issueCertificate } from '../../../test/support/certs.js';
import { ConfigError } from './errors.js';
import { kafkaConnections } from './kafka.js';

let dir: string;
let ca: Issued;
let client: Issued;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'drover-platform-kafka-'));
  ca = createCa(dir, 'ca');
  client = issueCertificate(dir, ca, 'client', { cn: 'drover', usage: 'client' });
  issueCertificate(dir, ca, 'other', { cn: 'other', usage: 'client' });
  writeFileSync(join(dir, 'password'), 'drover-secret\n');
  writeFileSync(join(dir, 'empty-password'), '\n');
  writeFileSync(join(dir, 'not-pem.crt'), 'hello\n');
});

function platform(lines: readonly string[]): PlatformConfig {
  return unwrap(
    parsePlatformConfig(['kafka:', '  clusters:', ...lines, ''].join('\n'), { file: 'drover.yaml' }),
  );
}

const secured = (over: Record<string, string> = {}) =>
  platform([
    '    kafka_front:',
    '      brokers: [k1:9093]',
    '      tls:',
    `        ca: ${over.ca ?? 'ca.crt'}`,
    `        cert: ${over.cert ?? 'client.crt'}`,
    `        key: ${over.key ?? 'client.key'}`,
    '        server_name: kafka.example.net',
    '      sasl:',
    '        mechanism: SCRAM-SHA-512',
    '        username: drover',
    `        password_file: ${over.password ?? 'password'}`,
  ]);

describe('kafkaConnections', () => {
  it('reads TLS and SASL files relative to the platform file, naming where each came from', async () => {
    const clusters = await kafkaConnections(secured(), { configFile: join(dir, 'drover.yaml') });
    const c = clusters.kafka_front;
    expect(c).toMatchObject({
      cluster: 'kafka_front',
      brokers: ['k1:9093'],
      tls: {
        serverName: 'kafka.example.net',
        files: { ca: ca.certFile, cert: client.certFile, key: client.keyFile },
      },
      sasl: {
        mechanism: 'SCRAM-SHA-512',
        username: 'drover',
        password: 'drover-secret',
        passwordFile: join(dir, 'password'),
      },
    });
    expect(c?.tls?.ca).toEqual(ca.cert);
    expect(c?.tls?.cert).toEqual(client.cert);
    expect(c?.tls?.key).toEqual(client.key);
  });

  it('lets --kafka-cluster replace the brokers of a cluster and keep its security, or add a plaintext one', async () => {
    const clusters = await kafkaConnections(secured(), {
      configFile: join(dir, 'drover.yaml'),
      flags: ['kafka_front=k9:9093,k10:9093', 'kafka_back=b1:9092'],
    });
    expect(clusters.kafka_front?.brokers).toEqual(['k9:9093', 'k10:9093']);
    expect(clusters.kafka_front?.sasl?.username).toBe('drover');
    expect(clusters.kafka_front?.tls?.serverName).toBe('kafka.example.net');
    expect(clusters.kafka_back).toEqual({ cluster: 'kafka_back', brokers: ['b1:9092'] });
  });

  it('takes a plaintext cluster as it is', async () => {
    const clusters = await kafkaConnections(platform(['    k:', '      brokers: [a:9092]']));
    expect(clusters).toEqual({ k: { cluster: 'k', brokers: ['a:9092'] } });
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    [
      'a CA file that is missing',
      { ca: 'nowhere.crt' },
      /cannot read kafka\.clusters\.kafka_front\.tls\.ca .*nowhere\.crt: ENOENT/,
    ],
    [
      'a certificate that is not PEM',
      { cert: 'not-pem.crt' },
      /kafka\.clusters\.kafka_front\.tls\.cert .*not-pem\.crt is not a PEM certificate/,
    ],
    [
      'a key that is not PEM',
      { key: 'not-pem.crt' },
      /kafka\.clusters\.kafka_front\.tls\.key .*not-pem\.crt is not a PEM private key/,
    ],
    [
      'a key of another certificate',
      { key: 'other.key' },
      /tls\.key .*other\.key is not the private key of kafka\.clusters\.kafka_front\.tls\.cert .*client\.crt/,
    ],
    [
      'an empty password file',
      { password: 'empty-password' },
      /kafka\.clusters\.kafka_front\.sasl\.password_file file .*empty-password is empty/,
    ],
    [
      'a missing password file',
      { password: 'no-password' },
      /cannot read kafka\.clusters\.kafka_front\.sasl\.password_file file .*no-password/,
    ],
  ];
  it.each(refusals)(
    'refuses %s with a ConfigError naming the setting and the file',
    async (_what, over, message) => {
      const attempt = kafkaConnections(secured(over), { configFile: join(dir, 'drover.yaml') });
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(message);
    },
  );
});
