/**
 * A worker thread running one processing node: builds its own copy of the node (a grok compiles
 * its patterns here too), then processes the batches it is sent, one event at a time, exactly as
 * the pipeline thread would call `process`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildProcessingNode } from '../build-processing.js';
import type { Fields, ProcessingNode, ProcessResult } from '../types.js';
import type { FromWorker, ToWorker, WorkerData } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('node-worker.js runs as a worker thread');
const { spec, progress } = workerData as WorkerData;
const state = new Int32Array(progress);
const post = (message: FromWorker) => port.postMessage(message);

try {
  const node: ProcessingNode = await buildProcessingNode(spec);
  port.on('message', (message: ToWorker) => {
    const results: { seq: number; result: ProcessResult }[] = [];
    for (const { seq, event } of message.batch) {
      Atomics.store(state, 0, seq);
      Atomics.store(state, 1, 1);
      const emits: [string, Fields][] = [];
      let error: string | undefined;
      try {
        node.process(
          event,
          (stream, fields) => {
            emits.push([stream, fields]);
          },
          () => {
            // Only joining nodes hold (pack), and they run on the pipeline's thread.
            throw new Error('a node on worker threads cannot hold events');
          },
        );
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      results.push({ seq, result: error === undefined ? { emits } : { emits, error } });
    }
    Atomics.store(state, 1, 0);
    try {
      post({ results });
    } catch {
      // A value that cannot be copied between threads (a function, a symbol...): that event is
      // an error, as the same value would fail its output on the pipeline thread.
      post({ results: results.map(({ seq, result }) => ({ seq, result: cloneable(result) })) });
    }
  });
  post({ ready: true });
} catch (err) {
  post({ failedToStart: err instanceof Error ? err.message : String(err) });
}

function cloneable(result: ProcessResult): ProcessResult {
  try {
    structuredClone(result);
    return result;
  } catch (err) {
    return {
      emits: [],
      error: `emitted a value that cannot be copied between threads: ${(err as Error).message}`,
    };
  }
}
