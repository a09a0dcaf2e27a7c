/**
 * Which prefix of a sequence is confirmed: items are added in order and confirmed in any order;
 * `confirmed` is the end of the last item of the longest fully confirmed prefix. For a file's
 * lines, the byte offset after it (what file_input and harvest_input save, so a restart resumes
 * there); for a Kafka partition's messages, the offset after it (what kafka_input commits).
 */
export interface Slot {
  /** The byte offset just after this line. */
  readonly end: number;
  done: boolean;
}

/** Which prefix of the emitted lines is confirmed: slots in file order, done in any order. */
export class ConfirmedPrefix {
  #slots: Slot[] = [];
  #head = 0;
  confirmed: number;

  constructor(start: number) {
    this.confirmed = start;
  }

  get open(): number {
    return this.#slots.length - this.#head;
  }

  add(end: number): Slot {
    const slot = { end, done: false };
    this.#slots.push(slot);
    return slot;
  }

  /** Marks a line done and moves the confirmed offset past every done line at the front. */
  done(slot: Slot): void {
    slot.done = true;
    while (this.#head < this.#slots.length && (this.#slots[this.#head] as Slot).done) {
      this.confirmed = (this.#slots[this.#head] as Slot).end;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
  }
}
