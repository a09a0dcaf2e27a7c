/**
 * ArrayBuffers handed out again once their batch is done, for the producer's big per-batch
 * buffers (a MessageBatch's bytes, a record batch). Pure: no I/O.
 *
 * Why: V8 (13.6, Node 24) adds the external memory allocated since the last mark-compact to the
 * old generation's size when it decides whether the old generation may grow
 * (Heap::OldGenerationSpaceAvailable, `--no-external-memory-accounted-in-global-limit`, its
 * default). A pipeline at full rate allocated three fresh buffers the size of every batch, ~4 KB
 * of external memory per 1.3 KB event: under the runner's 96 MB heap the old generation was "full"
 * every ~150 ms, and V8 ran an atomic mark-compact each time (`--trace-gc`: "allocation failure;
 * GC in old space requested", ~30 ms each). Buffers that come back are not allocated again, so
 * they no longer count.
 *
 * Only what `take` handed out is taken back (a slice of Node's shared pool, or a buffer that was
 * transferred, is ignored). A buffer must be given back only once nothing can read or write it
 * any more: after the broker acknowledged its batch, never on a failure (a request being retried
 * or queued may still hold it).
 */
export class BufferPool {
  readonly #free: ArrayBuffer[] = [];
  readonly #ours = new WeakSet<ArrayBuffer>();
  readonly #maxFree: number;
  readonly #grain: number;
  #freeBytes = 0;
  readonly #maxFreeBytes: number;

  /**
   * `maxFree` (16): buffers kept waiting, at most (more are left to the collector);
   * `maxFreeBytes` (16 MiB): their bytes, at most, what an idle pipeline keeps after a burst (a
   * receiver's batches are ~0.8 MB, ten or so in flight at max.spout.pending 5000); `grain`
   * (64 KiB): sizes are rounded up to a multiple of it, so that batches of about the same size fit
   * each other's buffers.
   */
  constructor(
    options: { readonly maxFree?: number; readonly maxFreeBytes?: number; readonly grain?: number } = {},
  ) {
    this.#maxFree = options.maxFree ?? 16;
    this.#maxFreeBytes = options.maxFreeBytes ?? 16 * 1024 * 1024;
    this.#grain = options.grain ?? 64 * 1024;
  }

  /** Buffers waiting to be taken again, and their bytes. */
  get free(): { readonly buffers: number; readonly bytes: number } {
    return { buffers: this.#free.length, bytes: this.#freeBytes };
  }

  /** A buffer of at least `bytes` bytes (its contents are whatever its last user left). */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const size = (this.#free[i] as ArrayBuffer).byteLength;
      if (size >= bytes && (best < 0 || size < (this.#free[best] as ArrayBuffer).byteLength)) best = i;
    }
    if (best >= 0) {
      const buffer = this.#free[best] as ArrayBuffer;
      this.#free[best] = this.#free[this.#free.length - 1] as ArrayBuffer;
      this.#free.pop();
      this.#freeBytes -= buffer.byteLength;
      return buffer;
    }
    const buffer = new ArrayBuffer(Math.max(this.#grain, Math.ceil(bytes / this.#grain) * this.#grain));
    this.#ours.add(buffer);
    return buffer;
  }

  /** Takes back a buffer `take` handed out; anything else is ignored, as is a buffer over the limits. */
  give(buffer: ArrayBuffer): void {
    // A second give of a waiting buffer is ignored before the limits are looked at: refusing it
    // would disown a buffer the pool still hands out.
    if (!this.#ours.has(buffer) || buffer.byteLength === 0 || this.#free.includes(buffer)) return;
    if (this.#free.length >= this.#maxFree || this.#freeBytes + buffer.byteLength > this.#maxFreeBytes) {
      this.#ours.delete(buffer);
      return;
    }
    this.#free.push(buffer);
    this.#freeBytes += buffer.byteLength;
  }
}
