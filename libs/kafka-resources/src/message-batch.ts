/**
 * A batch of Kafka messages packed into one ArrayBuffer, so that it reaches the producer
 * as one block rather than one object per message, and the bytes of messages waiting
 * for the broker sit in one block outside the JS heap. Pure: no I/O.
 *
 * Layout: the UTF-8 bytes of every key and value back to back in `data`; `index` holds four
 * int32 per message: key start, key end (start -1 for a null key), value start, value end.
 */
import type { BufferPool } from './buffer-pool.js';
import type { ProducerMessage } from './producer.js';

export interface PackedMessages {
  readonly data: ArrayBuffer;
  readonly index: Int32Array;
  readonly count: number;
}

const INITIAL_BYTES = 64 * 1024;
const INITIAL_MESSAGES = 256;

export class MessageBatch {
  #data: Buffer;
  #index: Int32Array;
  #count = 0;
  #bytes = 0;
  #packed = false;
  readonly #pool: BufferPool | undefined;

  /**
   * The expected size, if known (e.g. the previous batch's), saves growing and copying. With a
   * `pool`, the bytes are in a buffer taken from it (one outgrown goes back to it); the caller
   * gives the packed `data` back once the batch is acknowledged (BufferPool).
   */
  constructor(
    expected: { readonly messages?: number; readonly bytes?: number; readonly pool?: BufferPool } = {},
  ) {
    this.#pool = expected.pool;
    this.#data = this.#allocate(Math.max(1024, expected.bytes ?? INITIAL_BYTES));
    this.#index = new Int32Array(Math.max(1, expected.messages ?? INITIAL_MESSAGES) * 4);
  }

  /** A buffer of its own of at least `bytes` (allocUnsafeSlow: not a slice of Node's shared pool, whose other users would share its ArrayBuffer). */
  #allocate(bytes: number): Buffer {
    if (this.#pool === undefined) return Buffer.allocUnsafeSlow(bytes);
    const buffer = this.#pool.take(bytes);
    return Buffer.from(buffer, 0, buffer.byteLength);
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes of keys and values so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a message; strings are written as UTF-8, buffers copied as they are. */
  add(key: string | Buffer | null, value: string | Buffer): void {
    if (this.#packed) throw new Error('MessageBatch: add() after pack(); start a new batch');
    if (this.#index.length < (this.#count + 1) * 4) {
      const grown = new Int32Array(this.#index.length * 2);
      grown.set(this.#index);
      this.#index = grown;
    }
    const at = this.#count * 4;
    if (key === null) {
      this.#index[at] = -1;
      this.#index[at + 1] = -1;
    } else {
      this.#index[at] = this.#bytes;
      this.#bytes += this.#write(key);
      this.#index[at + 1] = this.#bytes;
    }
    this.#index[at + 2] = this.#bytes;
    this.#bytes += this.#write(value);
    this.#index[at + 3] = this.#bytes;
    this.#count++;
  }

  /** The packed batch (`index` may be longer than `count` needs); the MessageBatch is done after this. */
  pack(): PackedMessages {
    if (this.#packed) throw new Error('MessageBatch: packed twice; its buffer belongs to the first');
    this.#packed = true;
    return { data: this.#data.buffer as ArrayBuffer, index: this.#index, count: this.#count };
  }

  /** Writes `text` at the end, growing the buffer for the worst case (3 bytes per UTF-16 unit). */
  #write(text: string | Buffer): number {
    const worst = typeof text === 'string' ? text.length * 3 : text.length;
    if (this.#bytes + worst > this.#data.length) {
      const grown = this.#allocate(Math.max(this.#data.length * 2, this.#bytes + worst));
      this.#data.copy(grown, 0, 0, this.#bytes);
      this.#pool?.give(this.#data.buffer as ArrayBuffer);
      this.#data = grown;
    }
    return typeof text === 'string'
      ? this.#data.write(text, this.#bytes, 'utf8')
      : text.copy(this.#data, this.#bytes);
  }
}

/**
 * Why a packed batch cannot be sent, or undefined if it can: its buffers are detached once
 * transferred (sent already), and its index must cover every message.
 */
export function packedProblem(packed: PackedMessages): string | undefined {
  if (packed.index.length < packed.count * 4)
    return `index too short for ${packed.count} messages (sent already?)`;
  for (let i = 0; i < packed.count * 4; i++) {
    const at = packed.index[i] as number;
    if (at > packed.data.byteLength || (at < 0 && (i & 2) === 2)) {
      return `message ${i >> 2} lies outside its ${packed.data.byteLength}-byte buffer (sent already?)`;
    }
  }
  return undefined;
}

/** The messages of a packed batch, as views on its buffer (no copy): the reading side of MessageBatch's tests (the producer encodes from the packed bytes themselves). */
export function unpackMessages(packed: PackedMessages): ProducerMessage[] {
  const problem = packedProblem(packed);
  if (problem !== undefined) throw new Error(`cannot unpack the batch: ${problem}`);
  const data = Buffer.from(packed.data);
  const { index } = packed;
  const messages: ProducerMessage[] = new Array(packed.count);
  for (let i = 0; i < packed.count; i++) {
    const at = i * 4;
    const keyStart = index[at] as number;
    messages[i] = {
      key: keyStart < 0 ? null : data.subarray(keyStart, index[at + 1]),
      value: data.subarray(index[at + 2], index[at + 3]),
    };
  }
  return messages;
}
