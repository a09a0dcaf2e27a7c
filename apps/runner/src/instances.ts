/**
 * The runner's reconcile loop: desired instances are the placements under
 * `placements/<runner>/`; observed are the children it supervises. Start what is placed and not
 * running, stop what runs and is no longer placed, restart (kill then start) what runs with a
 * digest that changed. Runs one pass at a time; a change during a pass triggers another.
 */

import { dirname, join } from 'node:path';
import { instanceId, quartzSchedule } from '@drover/channel-model';
import {
  type ChannelSpecRecord,
  channelSpecSchema,
  type PlacementRecord,
  type StatusRecord,
} from '@drover/cluster-state';
import type { Logger } from '@drover/platform';
import type { Store } from '@drover/store';
import { type ChildStatus, type MemoryEnforcer, SupervisedChild } from '@drover/supervisor';
import { childArgs, childEnvironment, heapOptions, resolveCommand } from './commands.js';
import { InstanceLog } from './instance-log.js';
import { READY_ENV, READY_FILE, ReadinessWatch, signalsReadiness } from './readiness.js';
import type { StatusPublisher } from './status-publisher.js';
import { instanceDir, METRICS_FILE, prepareInstanceDir, removeInstanceDir, writePidFile } from './workdir.js';

const RETRY_MS = 1000;

interface Instance {
  /** Updated in place when only its `specDigest` changes (files it does not use). */
  placement: PlacementRecord;
  child: SupervisedChild | undefined;
  log: InstanceLog | undefined;
  readiness?: ReadinessWatch | undefined;
}

/** What the runner's API shows of an instance, live. */
export interface LiveInstance {
  readonly placement: PlacementRecord;
  readonly status: ChildStatus | undefined;
  rssBytes(): Promise<number | undefined>;
  readonly log: InstanceLog | undefined;
  /** Where the child says its metrics address (see METRICS_FILE). */
  readonly metricsFile: string;
}

export interface InstanceManagerOptions {
  readonly runner: string;
  readonly workdir: string;
  readonly allowedCommands: readonly string[];
  readonly stopGraceMs: number;
  readonly memory: MemoryEnforcer;
  readonly defaultMemoryLimitBytes: number;
  readonly logDir: string;
  readonly logMaxBytes: number;
  readonly store: Store;
  readonly publisher: StatusPublisher;
  readonly logger: Logger;
}

/** Instances are held by their id. */
const keyOf = instanceId;

export class InstanceManager {
  #o: InstanceManagerOptions;
  #desired = new Map<string, PlacementRecord>();
  #instances = new Map<string, Instance>();
  /** The last status published for each instance held (refused ones included). */
  #statuses = new Map<string, ChildStatus>();
  #pass: Promise<void> | undefined;
  #again = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: InstanceManagerOptions) {
    this.#o = options;
  }

  /** Replaces the desired placements (a full listing). */
  replaceDesired(placements: readonly PlacementRecord[]): void {
    this.#desired = new Map(placements.map((p) => [keyOf(p), p]));
    this.reconcile();
  }

  setDesired(placement: PlacementRecord): void {
    this.#desired.set(keyOf(placement), placement);
    this.reconcile();
  }

  deleteDesired(ref: { tenant: string; channel: string; app: string; index: number }): void {
    this.#desired.delete(keyOf(ref));
    this.reconcile();
  }

  /** The instances this runner holds now, for its API and metrics. */
  live(): LiveInstance[] {
    return [...this.#instances.values()].map((i) => ({
      placement: i.placement,
      status: this.#statuses.get(keyOf(i.placement)) ?? i.child?.status,
      rssBytes: () => i.child?.rssBytes() ?? Promise.resolve(undefined),
      log: i.log,
      metricsFile: join(instanceDir(this.#o.workdir, i.placement), METRICS_FILE),
    }));
  }

  /** An instance by its id (`instanceId` of @drover/channel-model). */
  find(id: string): LiveInstance | undefined {
    return this.live().find((i) => instanceId(i.placement) === id);
  }

  /** Runs a reconcile pass now, or right after the one in progress. */
  reconcile(): void {
    if (this.#closed) return;
    if (this.#pass !== undefined) {
      this.#again = true;
      return;
    }
    this.#pass = this.#reconcile()
      .catch((err: unknown) => this.#o.logger.error({ err }, 'reconcile pass failed'))
      .finally(() => {
        this.#pass = undefined;
        if (this.#again) {
          this.#again = false;
          this.reconcile();
        }
      });
  }

  /** Stops every child (SIGTERM, then SIGKILL after the grace period). */
  async stopAll(): Promise<void> {
    this.#closed = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    await this.#pass;
    await Promise.all(
      [...this.#instances.values()].map(async (i) => {
        await i.child?.stop();
        i.readiness?.close();
      }),
    );
  }

  async #reconcile(): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const [key, instance] of this.#instances) {
      const wanted = this.#desired.get(key);
      if (wanted !== undefined && wanted.digest === instance.placement.digest) {
        // Same application and own files: nothing to restart (a new specDigest brings files it
        // does not use; they are written when it next starts anew).
        instance.placement = wanted;
        continue;
      }
      this.#instances.delete(key);
      stops.push(this.#stop(instance, wanted === undefined));
    }
    await Promise.all(stops);

    let needsRetry = false;
    for (const [key, placement] of this.#desired) {
      if (this.#closed) return;
      if (this.#instances.has(key)) continue;
      const started = await this.#start(placement);
      if (started) continue;
      needsRetry = true;
    }
    if (needsRetry && this.#retry === undefined && !this.#closed) {
      this.#retry = setTimeout(() => {
        this.#retry = undefined;
        this.reconcile();
      }, RETRY_MS);
    }
  }

  async #stop(instance: Instance, removed: boolean): Promise<void> {
    const p = instance.placement;
    this.#o.logger.info(
      { instance: keyOf(p), removed },
      removed ? 'stopping: no longer placed here' : 'restarting: placement changed',
    );
    await instance.child?.stop();
    instance.readiness?.close();
    if (removed) {
      this.#statuses.delete(keyOf(p));
      this.#o.publisher.remove(p);
      instance.log?.remove();
      await removeInstanceDir(this.#o.workdir, p).catch(() => {});
    } else {
      instance.log?.close();
    }
  }

  /** False when it could not start yet and should be tried again (files not there, etcd down). */
  async #start(p: PlacementRecord): Promise<boolean> {
    const log = this.#o.logger.child({ tenant: p.tenant, channel: p.channel, app: p.app, instance: p.index });
    let spec: ChannelSpecRecord | undefined;
    try {
      spec = await this.#files(p);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot read the channel files yet: retrying');
      return false;
    }
    if (spec === undefined) {
      this.#publish(p, this.#waiting(`waiting for channel files ${p.specDigest} (not in etcd)`));
      return false;
    }
    const dir = instanceDir(this.#o.workdir, p);
    const shipped = { ...spec.files, ...spec.binaryFiles };
    const command = resolveCommand(p.command, this.#o.allowedCommands, shipped, dir, this.#o.runner);
    if ('refused' in command) {
      this.#refuse(p, command.refused, log);
      return true;
    }
    try {
      await prepareInstanceDir(
        this.#o.workdir,
        p,
        spec.files,
        spec.binaryFiles,
        command.file === p.command ? [] : [p.command],
      );
    } catch (err) {
      this.#refuse(p, `cannot prepare the work directory: ${(err as Error).message}`, log);
      return true;
    }
    const memoryLimitBytes = p.memoryLimitBytes ?? this.#o.defaultMemoryLimitBytes;
    const env = childEnvironment(
      process.env,
      p,
      {
        ...heapOptions(p.command, p.args, memoryLimitBytes),
        ...p.env,
        // How long the child has between SIGTERM and SIGKILL (punchlinectl drains within it).
        DROVER_STOP_GRACE_MS: String(this.#o.stopGraceMs),
        // Where it says it is ready (readiness.ts).
        [READY_ENV]: join(dir, READY_FILE),
        // Where it says its metrics address (workdir.ts), for the console's counters.
        DROVER_METRICS_FILE: join(dir, METRICS_FILE),
      },
      // Node scripts (punchlinectl) run on the runner's own Node.
      dirname(process.execPath),
    );
    let output: InstanceLog;
    try {
      output = new InstanceLog(this.#o.logDir, p, this.#o.logMaxBytes);
    } catch (err) {
      this.#refuse(p, `cannot open the instance log: ${(err as Error).message}`, log);
      return true;
    }
    // Readiness: the pid that said it is ready, and the last status (to publish them together).
    let last: ChildStatus | undefined;
    let readyAt: string | null = null;
    const readyPid = { value: 0 };
    const publish = () => {
      if (last !== undefined) this.#publish(p, last, last.state === 'running' ? readyAt : null);
    };
    const readiness = signalsReadiness(p.command)
      ? new ReadinessWatch(
          dir,
          (pid) => {
            if (pid === readyPid.value || pid !== last?.pid || last.state !== 'running') return;
            readyPid.value = pid;
            readyAt = new Date().toISOString();
            log.info({ pid }, 'ready');
            publish();
          },
          (err) => log.warn({ err: err.message }, 'cannot watch for readiness: ready once running'),
        )
      : undefined;
    const child = new SupervisedChild(
      {
        file: command.file,
        args: childArgs(p.args, p.tenant, p.channel, p.app),
        cwd: dir,
        env,
        stopGraceMs: this.#o.stopGraceMs,
        memoryLimitBytes,
        ...(p.schedule === undefined ? {} : { schedule: quartzSchedule(p.schedule) }),
        ...(p.restart === undefined
          ? {}
          : {
              backoff: {
                initialMs: p.restart.initialMs ?? 1000,
                maxMs: p.restart.maxMs ?? 60_000,
                resetAfterMs: p.restart.resetAfterMs ?? 120_000,
                maxRestarts: p.restart.maxRestarts,
              },
            }),
      },
      {
        logger: log,
        id: instanceId(p),
        memory: this.#o.memory,
        output: (stream, line) => output.line(stream, line),
        onStatus: (status) => {
          if (status.pid !== last?.pid || status.state !== 'running') {
            // A new process (or none): ready again only once it says so.
            readyAt = null;
            readyPid.value = 0;
          }
          last = status;
          if (status.state === 'running' && (readiness === undefined || !readiness.watching)) {
            readyAt ??= status.since;
          }
          publish();
          if (status.state === 'running' && status.pid !== null) {
            void writePidFile(dir, status.pid).catch(() => {});
            readiness?.check();
          }
        },
      },
    );
    this.#instances.set(keyOf(p), { placement: p, child, log: output, readiness });
    log.info({ command: command.file, args: p.args, digest: p.digest, memoryLimitBytes }, 'starting');
    child.start();
    return true;
  }

  /**
   * The files of the upload the placement names: the channel's current spec, or the older
   * upload kept for it under `versions/` while a rolling update has not reached it.
   */
  async #files(p: PlacementRecord): Promise<ChannelSpecRecord | undefined> {
    const { store } = this.#o;
    const decode = (raw: unknown) => channelSpecSchema.parse(raw);
    const current = (await store.get(store.layout.channelSpec(p.tenant, p.channel), decode))?.value;
    if (current?.digest === p.specDigest) return current;
    const kept = (await store.get(store.layout.channelVersion(p.tenant, p.channel, p.specDigest), decode))
      ?.value;
    return kept?.digest === p.specDigest ? kept : undefined;
  }

  #waiting(reason: string): ChildStatus {
    return {
      state: 'pending',
      pid: null,
      restarts: 0,
      lastExit: null,
      since: new Date().toISOString(),
      reason,
      nextAttemptAt: null,
      oomKills: 0,
      memoryLimitBytes: null,
      memoryEnforcement: null,
      lastRunAt: null,
      nextRunAt: null,
      skippedRuns: 0,
    };
  }

  #refuse(p: PlacementRecord, reason: string, log: Logger): void {
    log.error({ reason }, 'refusing to start the instance');
    this.#instances.set(keyOf(p), { placement: p, child: undefined, log: undefined });
    this.#publish(p, { ...this.#waiting(reason), state: 'failed' });
  }

  #publish(p: PlacementRecord, status: ChildStatus, readyAt: string | null = null): void {
    this.#statuses.set(keyOf(p), status);
    const record: StatusRecord = {
      tenant: p.tenant,
      channel: p.channel,
      app: p.app,
      index: p.index,
      runner: this.#o.runner,
      digest: p.digest,
      ...status,
      readyAt,
    };
    this.#o.publisher.set(record);
  }
}
