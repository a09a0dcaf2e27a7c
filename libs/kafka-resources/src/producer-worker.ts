/**
 * The Kafka producer thread's side (see producer-thread.ts): one kafkajs producer, connected on
 * the first batch and again after a failed one; each batch sent as it arrives, answered by id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ResourceLogger } from './admin.js';
import { isKafkaResourceError } from './errors.js';
import { unpackMessages } from './message-batch.js';
import { connectKafkaProducer, type KafkaProducer } from './producer.js';
import type { FromProducerThread, ProducerThreadSettings, ToProducerThread } from './producer-thread.js';

if (parentPort === null)
  throw new Error('producer-worker.js runs as a worker thread (see producer-thread.ts)');
const port = parentPort;
const settings = workerData as ProducerThreadSettings;

function post(message: FromProducerThread): void {
  port.postMessage(message);
}

function log(level: 'debug' | 'info' | 'warn' | 'error', obj: object, msg: string): void {
  try {
    post({ type: 'log', level, obj, msg });
  } catch {
    // Something in obj does not cross threads: keep the message and say what it carried.
    post({ type: 'log', level, obj: { fields: Object.keys(obj) }, msg });
  }
}

const logger: ResourceLogger = {
  debug: () => {},
  info: (obj, msg) => log('info', obj, msg),
  warn: (obj, msg) => log('warn', obj, msg),
  error: (obj, msg) => log('error', obj, msg),
};

let producer: Promise<KafkaProducer> | undefined;

async function send(m: Extract<ToProducerThread, { type: 'send' }>): Promise<void> {
  producer ??= connectKafkaProducer({ ...settings, logger });
  const using = producer;
  try {
    await (await using).send(m.topic, unpackMessages(m));
    post({ type: 'done', id: m.id });
  } catch (err) {
    // Start afresh next time: the producer may be wedged after an outage.
    if (producer === using) producer = undefined;
    void using.then((p) => p.close()).catch(() => {});
    post({
      type: 'failed',
      id: m.id,
      code: isKafkaResourceError(err) ? err.code : 'KAFKA_REQUEST_FAILED',
      message: err instanceof Error ? err.message : String(err),
    });
  }
}

async function close(): Promise<void> {
  const closing = producer;
  producer = undefined;
  await closing?.then((p) => p.close()).catch(() => {});
  port.close();
}

port.on('message', (m: ToProducerThread) => {
  if (m.type === 'send') void send(m);
  else void close();
});
