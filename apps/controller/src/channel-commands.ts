/**
 * What the API's mutations do to etcd. Any controller (leader or standby) may run them: they
 * write desired state only, with compare-and-swap so that two operators never lose each other's
 * change, and the leader acts on it.
 */
import { type Issue, STRUCTURE_FILE, validateChannelFiles } from '@drover/channel-model';
import {
  type ChannelSpecRecord,
  channelSpecSchema,
  type DesiredRecord,
  decoder,
  desiredRecordSchema,
  digestOf,
} from '@drover/cluster-state';
import type { Store } from '@drover/store';

export class ChannelCommandError extends Error {
  override readonly name = 'ChannelCommandError';
  readonly status: 400 | 404 | 409;
  readonly issues: readonly Issue[];

  constructor(status: 400 | 404 | 409, message: string, issues: readonly Issue[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

const CAS_ATTEMPTS = 10;

export async function uploadChannel(
  store: Store,
  tenant: string,
  channel: string,
  files: Readonly<Record<string, string>>,
): Promise<{ specDigest: string; changed: boolean }> {
  const result = await validateChannelFiles(tenant, channel, files);
  if (!result.ok) {
    throw new ChannelCommandError(400, `channel ${tenant}/${channel} does not validate`, result.issues);
  }
  // Keep exactly the files the channel ships (validation lists them), nothing else uploaded.
  const kept = result.value.files;
  const digest = digestOf(kept);
  const key = store.layout.channelSpec(tenant, channel);
  const existing = await store.get(key, decoder(channelSpecSchema));
  if (existing?.value.digest === digest) return { specDigest: digest, changed: false };
  const record: ChannelSpecRecord = { files: { ...kept }, digest, uploadedAt: new Date().toISOString() };
  await store.put(key, record);
  return { specDigest: digest, changed: true };
}

type DesiredChange = (current: DesiredRecord | undefined) => DesiredRecord | undefined;

/** Applies `change` to the desired record with compare-and-swap; undefined = nothing to do. */
async function changeDesired(
  store: Store,
  tenant: string,
  channel: string,
  change: DesiredChange,
): Promise<DesiredRecord> {
  const key = store.layout.channelDesired(tenant, channel);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const current = await store.get(key, decoder(desiredRecordSchema));
    const next = change(current?.value);
    if (next === undefined) {
      if (current === undefined)
        throw new ChannelCommandError(404, `channel ${tenant}/${channel} is unknown`);
      return current.value;
    }
    const ok =
      current === undefined
        ? await store.putIfAbsent(key, next)
        : await store.putIfRevision(key, next, current.revision);
    if (ok) return next;
  }
  throw new ChannelCommandError(409, `channel ${tenant}/${channel} changed concurrently: try again`);
}

async function requireSpec(store: Store, tenant: string, channel: string): Promise<void> {
  const spec = await store.get(store.layout.channelSpec(tenant, channel), decoder(channelSpecSchema));
  if (spec === undefined) {
    throw new ChannelCommandError(
      404,
      `channel ${tenant}/${channel} was never uploaded: upload it first (channelctl start uploads ${STRUCTURE_FILE} and its files)`,
    );
  }
}

const now = () => new Date().toISOString();

export async function startChannel(store: Store, tenant: string, channel: string): Promise<DesiredRecord> {
  await requireSpec(store, tenant, channel);
  return changeDesired(store, tenant, channel, (d) =>
    d?.state === 'started'
      ? undefined
      : { state: 'started', generation: (d?.generation ?? 0) + 1, reload: d?.reload ?? 0, updatedAt: now() },
  );
}

export async function stopChannel(store: Store, tenant: string, channel: string): Promise<DesiredRecord> {
  return changeDesired(store, tenant, channel, (d) =>
    d === undefined || d.state === 'stopped'
      ? undefined
      : { state: 'stopped', generation: d.generation + 1, reload: d.reload, updatedAt: now() },
  );
}

export async function reloadChannel(store: Store, tenant: string, channel: string): Promise<DesiredRecord> {
  let notStarted = false;
  const result = await changeDesired(store, tenant, channel, (d) => {
    if (d?.state !== 'started') {
      notStarted = true;
      return undefined;
    }
    return { ...d, generation: d.generation + 1, reload: d.reload + 1, updatedAt: now() };
  });
  if (notStarted)
    throw new ChannelCommandError(409, `channel ${tenant}/${channel} is not started: nothing to reload`);
  return result;
}
