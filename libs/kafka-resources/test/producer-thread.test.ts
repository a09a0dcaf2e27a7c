/**
 * The Kafka producer thread against a real broker. It imports the built package: the thread runs
 * dist/producer-worker.js.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageBatch, startProducerThread } from '@drover/kafka-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, readMessages, uniqueSuffix } from '../../../test/support/kafka.js';
import { droverServices } from '../../../test/support/services.js';

const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let brokers: string[];
const servers: Server[] = [];
const sockets: Socket[] = [];

beforeAll(() => {
  brokers = droverServices('kafka').kafka.brokers;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function createTopic(): Promise<string> {
  const topic = `producer-thread-${uniqueSuffix()}`;
  await createTopics(brokers, [topic]);
  return topic;
}

const consume = (topic: string, count: number) => readMessages(brokers, topic, count);

function batchOf(pairs: readonly (readonly [string | null, string])[]) {
  const batch = new MessageBatch();
  for (const [key, value] of pairs) batch.add(key, value);
  return batch.pack();
}

/** A port that accepts connections and never answers. */
async function silentBroker(): Promise<string> {
  const server = createServer((socket) => sockets.push(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('startProducerThread (real Kafka)', () => {
  it('sends each batch from its thread and resolves once the broker acknowledged it', async () => {
    const topic = await createTopic();
    const logs: string[] = [];
    const logger = {
      debug: () => {},
      info: (_: object, msg: string) => logs.push(msg),
      warn: (_: object, msg: string) => logs.push(msg),
      error: (_: object, msg: string) => logs.push(msg),
    };
    const thread = startProducerThread({ brokers, acks: -1, logger });
    try {
      const first = Array.from({ length: 300 }, (_, i) => [i % 2 === 0 ? null : `k${i}`, `v${i} ✓`] as const);
      const second = [['last', 'ünïcode 🚀'] as const];
      // Two batches in flight at once: each arrives whole and in its own order.
      await Promise.all([thread.send(topic, batchOf(first)), thread.send(topic, batchOf(second))]);
      const seen = await consume(topic, 301);
      expect(seen.filter((m) => m.key !== 'last')).toEqual(first.map(([key, value]) => ({ key, value })));
      expect(seen.filter((m) => m.key === 'last')).toEqual([{ key: 'last', value: 'ünïcode 🚀' }]);
    } finally {
      await thread.close();
    }
  });

  it('rejects a batch it cannot deliver, with the reason and the topic', async () => {
    const thread = startProducerThread({ brokers: ['127.0.0.1:1'], acks: 1 });
    try {
      await expect(thread.send('nowhere', batchOf([[null, 'x']]))).rejects.toMatchObject({
        code: 'KAFKA_UNREACHABLE',
        topic: 'nowhere',
        message: expect.stringContaining('cannot reach Kafka brokers 127.0.0.1:1'),
      });
    } finally {
      await thread.close();
    }
  });

  it('rejects a batch that cannot be handed over, and goes on with the next', async () => {
    const topic = await createTopic();
    const thread = startProducerThread({ brokers, acks: 1 });
    try {
      const batch = batchOf([[null, 'first']]);
      await thread.send(topic, batch);
      // Its buffer moved to the thread with the first send.
      await expect(thread.send(topic, batch)).rejects.toThrow(
        new RegExp(`^batch for ${topic}: .*\\(sent already\\?\\)$`),
      );
      await thread.send(topic, batchOf([[null, 'second']]));
      expect(await consume(topic, 2)).toEqual([
        { key: null, value: 'first' },
        { key: null, value: 'second' },
      ]);
    } finally {
      await thread.close();
    }
  });

  it('fails what is in flight when closed, rather than leaving it pending', async () => {
    const thread = startProducerThread({ brokers: [await silentBroker()], acks: 1, closeTimeoutMs: 200 });
    const sent = thread.send('nowhere', batchOf([[null, 'x']]));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await thread.close();
    await expect(sent).rejects.toThrow(/producer thread exited/);
  });

  it('does not keep the process alive once its batches are answered', async () => {
    const topic = await createTopic();
    const script = `
      import { MessageBatch, startProducerThread } from ${JSON.stringify(distIndex)};
      const thread = startProducerThread({ brokers: ${JSON.stringify(brokers)}, acks: 1 });
      const batch = new MessageBatch();
      batch.add(null, 'from a process that never closes its producer');
      await thread.send(${JSON.stringify(topic)}, batch.pack());
      console.log('sent');
    `;
    const file = join(mkdtempSync(join(tmpdir(), 'producer-thread-')), 'never-closes.mjs');
    writeFileSync(file, script);
    // A hang shows up as the child killed by the timeout, not as a slow test.
    const out = await new Promise<{
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(process.execPath, [file], { timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: child.exitCode, signal: err?.signal ?? null, stdout, stderr }),
      );
    });
    const { stderr, ...exit } = out;
    // stderr is shown on failure, not compared: the environment may add warnings to it.
    expect(exit, stderr).toEqual({ code: 0, signal: null, stdout: 'sent\n' });
    expect(await consume(topic, 1)).toEqual([
      { key: null, value: 'from a process that never closes its producer' },
    ]);
  });
});
