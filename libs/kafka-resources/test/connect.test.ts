import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectKafkaAdmin, KafkaResourceError } from '../src/index.js';

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A port that accepts connections and never answers: the case where a client would hang. */
async function silentBroker(): Promise<string> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A port nothing listens on. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

describe('connectKafkaAdmin with unreachable brokers', () => {
  it('rejects with KAFKA_UNREACHABLE when the connection is refused', async () => {
    const broker = await closedPort();
    const attempt = connectKafkaAdmin({ brokers: [broker], connectionTimeoutMs: 2_000 });
    await expect(attempt).rejects.toBeInstanceOf(KafkaResourceError);
    await expect(attempt).rejects.toMatchObject({
      code: 'KAFKA_UNREACHABLE',
      message: expect.stringContaining(`cannot reach Kafka brokers ${broker} within 2000 ms`),
    });
  });

  // kafkajs alone would wait for its request timeout (set to 10 min here, far beyond the test's
  // safety net), so only the connection bound can end this test in time.
  it('rejects with KAFKA_UNREACHABLE when a broker accepts but never answers', {
    timeout: 30_000,
  }, async () => {
    const broker = await silentBroker();
    const attempt = connectKafkaAdmin({
      brokers: [broker],
      connectionTimeoutMs: 2_000,
      requestTimeoutMs: 600_000,
    });
    await expect(attempt).rejects.toMatchObject({ code: 'KAFKA_UNREACHABLE' });
  });
});
