import { describe, expect, it } from 'vitest';
import {
  checkKafkaUser,
  parseClusterId,
  randomClusterId,
  renderPom,
  renderServerProperties,
  scramConfigValue,
  scramFormatArgs,
} from './kafka-config.js';

function props(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const eq = line.indexOf('=');
        return [line.slice(0, eq), line.slice(eq + 1)] as const;
      }),
  );
}

describe('renderServerProperties', () => {
  const p = props(renderServerProperties({ dataDir: '/d/data', port: 19092, controllerPort: 19093 }));

  it('binds both listeners to loopback only and votes for itself', () => {
    expect(p.get('listeners')).toBe('PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093');
    expect(p.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:19092');
    expect(p.get('controller.quorum.voters')).toBe(`${p.get('node.id')}@127.0.0.1:19093`);
    expect(p.get('log.dirs')).toBe('/d/data');
  });

  it('never auto-creates topics and fits on one broker', () => {
    expect(p.get('auto.create.topics.enable')).toBe('false');
    expect(p.get('offsets.topic.replication.factor')).toBe('1');
    expect(p.get('transaction.state.log.replication.factor')).toBe('1');
    expect(p.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('bounds what old topics keep on disk: 1 GiB a partition, a day', () => {
    expect(p.get('log.retention.bytes')).toBe(String(1024 ** 3));
    expect(p.get('log.retention.hours')).toBe('24');
  });
});

describe('renderServerProperties with security', () => {
  const p = props(
    renderServerProperties({
      dataDir: '/d/data',
      port: 19092,
      controllerPort: 19093,
      security: {
        sslPort: 19094,
        saslSslPort: 19095,
        keystoreFile: '/d/broker-keystore.pem',
        truststoreFile: '/d/ca.crt',
        users: [{ name: 'drover', password: 'drover-secret' }],
        reauthMs: 4000,
      },
    }),
  );

  it('adds an SSL and a SASL_SSL listener beside PLAINTEXT, advertised on loopback', () => {
    expect(p.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095,CONTROLLER://127.0.0.1:19093',
    );
    expect(p.get('advertised.listeners')).toBe(
      'PLAINTEXT://127.0.0.1:19092,SSL://127.0.0.1:19094,SASL_SSL://127.0.0.1:19095',
    );
    expect(p.get('listener.security.protocol.map')).toBe(
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    );
    expect(p.get('inter.broker.listener.name')).toBe('PLAINTEXT');
  });

  it('requires client certificates on SSL only, offers the three mechanisms on SASL_SSL', () => {
    expect(p.get('ssl.keystore.type')).toBe('PEM');
    expect(p.get('listener.name.ssl.ssl.client.auth')).toBe('required');
    expect(p.get('listener.name.sasl_ssl.ssl.client.auth')).toBe('none');
    expect(p.get('listener.name.sasl_ssl.sasl.enabled.mechanisms')).toBe('PLAIN,SCRAM-SHA-256,SCRAM-SHA-512');
    expect(p.get('listener.name.sasl_ssl.plain.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required user_drover="drover-secret";',
    );
  });

  it('makes SASL_SSL clients authenticate again when asked (KIP-368)', () => {
    expect(p.get('listener.name.sasl_ssl.connections.max.reauth.ms')).toBe('4000');
  });

  it('formats one SCRAM credential per user and SHA variant', () => {
    expect(scramFormatArgs([{ name: 'drover', password: 'pw' }])).toEqual([
      '--add-scram',
      'SCRAM-SHA-256=[name=drover,password=pw]',
      '--add-scram',
      'SCRAM-SHA-512=[name=drover,password=pw]',
    ]);
    expect(scramConfigValue({ name: 'drover', password: 'pw' }, 'SCRAM-SHA-512')).toBe(
      'SCRAM-SHA-512=[password=pw]',
    );
  });

  it('refuses a user that the JAAS line or the StorageTool argument would misread', () => {
    expect(() => checkKafkaUser({ name: 'a b', password: 'x' })).toThrow(/Kafka user name "a b"/);
    expect(() => checkKafkaUser({ name: 'a', password: 'x"y' })).toThrow(/password of Kafka user "a"/);
    expect(() => checkKafkaUser({ name: 'a', password: 'p,q' })).toThrow(/password of Kafka user "a"/);
  });
});

describe('cluster id', () => {
  it('is 22 url-safe base64 characters not starting with a dash', () => {
    for (let i = 0; i < 200; i++) expect(randomClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });

  it('is read back from meta.properties', () => {
    expect(parseClusterId('#\nnode.id=1\ncluster.id=abc-DEF_123\nversion=1\n')).toBe('abc-DEF_123');
    expect(parseClusterId('node.id=1\n')).toBeUndefined();
  });
});

describe('renderPom', () => {
  it('asks for kafka_2.13 plus the reload4j logging backend', () => {
    const pom = renderPom('3.9.1');
    expect(pom).toContain('<artifactId>kafka_2.13</artifactId><version>3.9.1</version>');
    expect(pom).toContain('<artifactId>slf4j-reload4j</artifactId>');
    expect(pom).toContain('<artifactId>reload4j</artifactId><version>1.2.25</version>');
  });
});
