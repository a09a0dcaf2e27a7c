/**
 * What the API's mutations do to etcd. Any controller (leader or standby) may run them: they
 * write desired state only, with compare-and-swap so that two operators never lose each other's
 * change, and the leader acts on it.
 *
 * An upload replaces `channels/<t>/<c>/spec`; the upload it replaces is first kept under
 * `versions/<its digest>`, because instances a rolling update has not reached yet still run it
 * (their placements name it): a runner starting one of them anew writes exactly those files. The
 * leader deletes a kept upload once no placement names it (plan.ts).
 */
import {
  type ChannelRef,
  channelBytes,
  MAX_CHANNEL_BYTES,
  STRUCTURE_FILE,
  validateChannelFiles,
} from '@drover/channel-model';
import {
  type ChannelSpecRecord,
  channelSpecSchema,
  type DesiredRecord,
  decoder,
  desiredRecordSchema,
  uploadDigest,
} from '@drover/cluster-state';
import type { Store } from '@drover/store';
import { ApiProblem, channelUnknown } from './api/errors.js';
import type { ChannelCommands, Written } from './api/ports.js';

const CAS_ATTEMPTS = 10;

type DesiredChange = (current: DesiredRecord | undefined) => DesiredRecord | undefined;

const now = () => new Date().toISOString();

export class EtcdChannelCommands implements ChannelCommands {
  readonly #store: Store;
  readonly #maxBytes: number;

  constructor(store: Store, options: { maxBytes?: number } = {}) {
    this.#store = store;
    this.#maxBytes = options.maxBytes ?? MAX_CHANNEL_BYTES;
  }

  async upload(
    ref: ChannelRef,
    files: Readonly<Record<string, string>>,
    binaryFiles: Readonly<Record<string, string>>,
  ): Promise<Written & { specDigest: string; changed: boolean }> {
    const { tenant, channel } = ref;
    const size = channelBytes({ files, binaryFiles });
    if (size > this.#maxBytes) {
      throw new ApiProblem(
        'DRV_CHANNEL_TOO_LARGE',
        `channel ${tenant}/${channel} holds ${size} bytes of files, over the limit of ${this.#maxBytes} bytes shipped with a channel`,
      );
    }
    const result = await validateChannelFiles(tenant, channel, files, binaryFiles, {
      maxBytes: this.#maxBytes,
    });
    if (!result.ok) {
      throw new ApiProblem('DRV_CHANNEL_INVALID', `channel ${tenant}/${channel} does not validate`, {
        issues: result.issues,
      });
    }
    const digest = uploadDigest(files, binaryFiles);
    const layout = this.#store.layout;
    const key = layout.channelSpec(tenant, channel);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const existing = await this.#store.get(key, decoder(channelSpecSchema));
      if (existing?.value.digest === digest) return { specDigest: digest, changed: false, revision: 0 };
      if (existing !== undefined) {
        // Kept for the instances that still run it (content-addressed: writing it twice is harmless).
        await this.#store.put(layout.channelVersion(tenant, channel, existing.value.digest), existing.value);
      }
      const record: ChannelSpecRecord = {
        files: { ...files },
        binaryFiles: { ...binaryFiles },
        digest,
        uploadedAt: now(),
      };
      const written =
        existing === undefined
          ? await this.#store.putIfAbsent(key, record)
          : await this.#store.putIfRevision(key, record, existing.revision);
      if (written > 0) return { specDigest: digest, changed: true, revision: written };
    }
    throw new ApiProblem('DRV_CONFLICT', `channel ${tenant}/${channel} changed concurrently: try again`);
  }

  async specDigest(ref: ChannelRef): Promise<string | undefined> {
    const spec = await this.#store.get(
      this.#store.layout.channelSpec(ref.tenant, ref.channel),
      decoder(channelSpecSchema),
    );
    return spec?.value.digest;
  }

  async start(ref: ChannelRef): Promise<Written> {
    await this.#requireSpec(ref);
    return this.#changeDesired(ref, (d) =>
      d?.state === 'started'
        ? undefined
        : {
            state: 'started',
            generation: (d?.generation ?? 0) + 1,
            reload: d?.reload ?? 0,
            updatedAt: now(),
          },
    );
  }

  async stop(ref: ChannelRef): Promise<Written> {
    return this.#changeDesired(ref, (d) =>
      d === undefined || d.state === 'stopped'
        ? undefined
        : { state: 'stopped', generation: d.generation + 1, reload: d.reload, updatedAt: now() },
    );
  }

  async reload(ref: ChannelRef): Promise<Written> {
    let notStarted = false;
    const written = await this.#changeDesired(ref, (d) => {
      if (d?.state !== 'started') {
        notStarted = true;
        return undefined;
      }
      return { ...d, generation: d.generation + 1, reload: d.reload + 1, updatedAt: now() };
    });
    if (notStarted) {
      throw new ApiProblem(
        'DRV_CHANNEL_NOT_STARTED',
        `channel ${ref.tenant}/${ref.channel} is not started: nothing to reload`,
      );
    }
    return written;
  }

  /** Applies `change` to the desired record with compare-and-swap; undefined = nothing to do. */
  async #changeDesired(ref: ChannelRef, change: DesiredChange): Promise<Written> {
    const key = this.#store.layout.channelDesired(ref.tenant, ref.channel);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const current = await this.#store.get(key, decoder(desiredRecordSchema));
      const next = change(current?.value);
      if (next === undefined) {
        if (current === undefined) throw channelUnknown(ref);
        return { revision: 0 };
      }
      const written =
        current === undefined
          ? await this.#store.putIfAbsent(key, next)
          : await this.#store.putIfRevision(key, next, current.revision);
      if (written > 0) return { revision: written };
    }
    throw new ApiProblem(
      'DRV_CONFLICT',
      `channel ${ref.tenant}/${ref.channel} changed concurrently: try again`,
    );
  }

  async #requireSpec(ref: ChannelRef): Promise<void> {
    const layout = this.#store.layout;
    const spec = await this.#store.get(
      layout.channelSpec(ref.tenant, ref.channel),
      decoder(channelSpecSchema),
    );
    if (spec === undefined) {
      throw new ApiProblem(
        'DRV_CHANNEL_UNKNOWN',
        `channel ${ref.tenant}/${ref.channel} was never uploaded: upload it first (channelctl start uploads ${STRUCTURE_FILE} and the channel directory)`,
      );
    }
  }
}
