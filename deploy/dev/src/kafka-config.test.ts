import { describe, expect, it } from 'vitest';
import { parseClusterId, randomClusterId, renderPom, renderServerProperties } from './kafka-config.js';

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
