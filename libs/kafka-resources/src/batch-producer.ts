/**
 * kafka_output's producer: packed batches (MessageBatch: the bytes of a batch in one buffer, off
 * the JS heap while they wait for the broker) sent through one producer (connectKafkaProducer),
 * connected at start (`connect`) or on the first batch, and again after a failed one (a producer may be wedged after an
 * outage). `send` resolves once the broker acknowledged the whole batch.
 *
 * It runs on the caller's thread. With kafkajs it ran on a thread of its own (kafkajs's
 * per-message garbage forced full GCs of the pipeline's small heap); on @platformatic/kafka the
 * thread no longer pays: no less CPU per event, and far more RSS under overload for the second
 * isolate (README "Benchmarks", the receiver rows measured both ways in one session).
 */
import { isKafkaResourceError, KafkaResourceError } from './errors.js';
import { type PackedMessages, packedProblem } from './message-batch.js';
import { connectKafkaProducer, type KafkaProducer, type KafkaProducerOptions } from './producer.js';

export interface BatchProducer {
  /**
   * Connects now rather than on the first batch; rejects (KafkaResourceError) when the cluster
   * cannot be reached or refuses us, and the next call or batch tries again.
   */
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged every message of the batch; rejects (KafkaResourceError) if it could not. */
  send(topic: string, batch: PackedMessages): Promise<void>;
  /** Disconnects. */
  close(): Promise<void>;
}

export function startBatchProducer(options: KafkaProducerOptions): BatchProducer {
  let producer: Promise<KafkaProducer> | undefined;
  return {
    async connect() {
      producer ??= connectKafkaProducer(options);
      const using = producer;
      try {
        await using;
      } catch (err) {
        if (producer === using) producer = undefined;
        throw err;
      }
    },
    async send(topic, batch) {
      const problem = packedProblem(batch);
      if (problem !== undefined)
        throw new KafkaResourceError('KAFKA_REQUEST_FAILED', `batch for ${topic}: ${problem}`, {
          topic,
          cluster: options.cluster,
        });
      producer ??= connectKafkaProducer(options);
      const using = producer;
      try {
        await (await using).sendPacked(topic, batch);
      } catch (err) {
        // Start afresh next time: the producer may be wedged after an outage.
        if (producer === using) producer = undefined;
        void using.then((p) => p.close()).catch(() => {});
        if (isKafkaResourceError(err) && err.topic !== undefined) throw err;
        throw new KafkaResourceError(
          isKafkaResourceError(err) ? err.code : 'KAFKA_REQUEST_FAILED',
          err instanceof Error ? err.message : String(err),
          { topic, cluster: options.cluster, cause: err },
        );
      }
    },
    async close() {
      const closing = producer;
      producer = undefined;
      await closing?.then((p) => p.close()).catch(() => {});
    },
  };
}
