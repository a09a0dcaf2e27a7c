/**
 * An input's durable spool (the `spool` setting of syslog_input and lumberjack_input): the
 * spool itself (libs/spool) and the feeder that emits its records into the pipeline. The input
 * appends what it receives and acknowledges its sender when the append is durable; it stops
 * reading while the spool is `full`.
 */
import type { SpoolSettings } from '@drover/channel-model';
import { Spool, type SpoolPayload } from '@drover/spool';
import type { InputContext } from '../types.js';
import { type RecordDecoder, SpoolFeeder } from './spool-feeder.js';

export class InputSpool {
  readonly #spool: Spool;
  readonly #feeder: SpoolFeeder;

  private constructor(spool: Spool, feeder: SpoolFeeder) {
    this.#spool = spool;
    this.#feeder = feeder;
  }

  /** Opens the spool (replaying what a previous run left) and starts feeding the pipeline from it. */
  static async open(
    settings: SpoolSettings,
    ctx: InputContext,
    decode: RecordDecoder,
    component: string,
  ): Promise<InputSpool> {
    const spool = await Spool.open({
      dir: settings.dir,
      maxBytes: settings.max_bytes,
      fsync: settings.fsync,
      fsyncIntervalMs: settings.fsync_interval_ms,
      logger: ctx.logger,
    });
    const feeder = new SpoolFeeder(spool, decode, ctx.logger, component);
    feeder.start(ctx);
    return new InputSpool(spool, feeder);
  }

  /**
   * Appends `payloads` (each whole or in parts); `done()` once durable, `done(err)` if not (then
   * acknowledge nothing).
   */
  append(payloads: readonly SpoolPayload[], done: (err?: Error) => void): void {
    this.#spool.append(payloads, done);
  }

  get full(): boolean {
    return this.#spool.full;
  }

  room(): Promise<void> {
    return this.#spool.room();
  }

  /** Stops feeding the pipeline (what is in flight completes and is confirmed to the spool). */
  stop(): Promise<void> {
    return this.#feeder.stop();
  }

  /** After the drain: records the watermark and closes the files. */
  close(): Promise<void> {
    return this.#spool.close();
  }

  /** Spool depth, bytes and replays, for the input's metrics. */
  metrics(): Record<string, number> {
    const s = this.#spool.stats;
    return {
      spool_records: s.records,
      spool_bytes: s.bytes,
      spool_segments: s.segments,
      spool_appended: s.appended,
      spool_replayed: s.replayed,
      spool_redelivered: this.#feeder.stats.redelivered,
      spool_undecodable: this.#feeder.stats.undecodable,
      spool_torn_records: s.tornRecords,
      spool_corrupt_records: s.corruptRecords,
      spool_full_events: s.fullEvents,
      spool_fsyncs: s.fsyncs,
    };
  }
}
