import { describe, expect, it } from 'vitest';
import {
  parseHostPort,
  parseKafkaCluster,
  parseList,
  parsePositiveInt,
  parseSearchCluster,
  parseUrls,
} from './values.js';

describe('flag values', () => {
  it('parses HOST:PORT, IPv6 in brackets included, and names the flag when wrong', () => {
    expect(parseHostPort('127.0.0.1:7070', '--listen')).toEqual({ host: '127.0.0.1', port: 7070 });
    expect(parseHostPort('[::1]:80', '--listen')).toEqual({ host: '::1', port: 80 });
    expect(() => parseHostPort('localhost', '--listen')).toThrow(
      '--listen: expected HOST:PORT, got "localhost"',
    );
    expect(() => parseHostPort('h:99999', '--listen')).toThrow(/--listen/);
  });

  it('parses --kafka-cluster NAME=HOST:PORT[,HOST:PORT]', () => {
    expect(parseKafkaCluster('kafka_front=a:9092,b:9092', '--kafka-cluster')).toEqual({
      name: 'kafka_front',
      brokers: ['a:9092', 'b:9092'],
    });
    expect(() => parseKafkaCluster('a:9092', '--kafka-cluster')).toThrow(/NAME=HOST:PORT/);
    expect(() => parseKafkaCluster('k=', '--kafka-cluster')).toThrow(/NAME=HOST:PORT/);
    expect(() => parseKafkaCluster('k=nohost', '--kafka-cluster')).toThrow(/HOST:PORT/);
  });

  it('parses --search-cluster NAME=URL[,URL]', () => {
    expect(parseSearchCluster('search_front=http://a:9200,https://b:9200', '--search-cluster')).toEqual({
      name: 'search_front',
      nodes: ['http://a:9200', 'https://b:9200'],
    });
    expect(() => parseSearchCluster('http://a:9200', '--search-cluster')).toThrow(
      '--search-cluster: expected NAME=URL[,URL], got "http://a:9200"',
    );
    expect(() => parseSearchCluster('s=a:9200', '--search-cluster')).toThrow(
      /--search-cluster: expected comma-separated http/,
    );
  });

  it('parses lists, URLs and positive integers', () => {
    expect(parseList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseUrls('http://a:2379,https://b:2379', '--etcd')).toEqual(['http://a:2379', 'https://b:2379']);
    expect(() => parseUrls('a:2379', '--etcd')).toThrow(/--etcd: expected comma-separated http/);
    expect(parsePositiveInt('5', '--lease-ttl')).toBe(5);
    expect(() => parsePositiveInt('0', '--lease-ttl')).toThrow(/--lease-ttl/);
    expect(() => parsePositiveInt('2.5', '--lease-ttl')).toThrow(/--lease-ttl/);
  });
});
