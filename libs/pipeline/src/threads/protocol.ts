/**
 * What the pipeline thread and a processing node's worker threads say to each other: batches of
 * events one way, their results the other. The worker also writes the sequence number of the
 * event it is working on into a shared Int32Array, so the pipeline thread sees one that takes
 * too long without asking it.
 */
import type { Delivery, ProcessResult } from '../types.js';

/** How a worker builds its copy of the node: the node as the pipeline file gives it. */
export interface NodeSpec {
  readonly type: string;
  readonly component: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly publish: readonly { readonly stream: string; readonly fields: readonly string[] }[];
  /** The channel directory (shipped files are relative to it). */
  readonly baseDir: string;
}

export interface WorkerData {
  readonly spec: NodeSpec;
  /** [0]: the sequence number of the event in progress; [1]: 1 while working, 0 when idle. */
  readonly progress: SharedArrayBuffer;
}

export type ToWorker = { readonly batch: readonly { readonly seq: number; readonly event: Delivery }[] };

export type FromWorker =
  | { readonly ready: true }
  | { readonly failedToStart: string }
  | { readonly results: readonly { readonly seq: number; readonly result: ProcessResult }[] };
