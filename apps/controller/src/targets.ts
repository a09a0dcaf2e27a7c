/**
 * What each application of a started channel should run: the placement template (everything of a
 * placement record but its index and runner) and its digest, which changes exactly when the
 * instances must restart: the application's own fields, its own files (own-files.ts of
 * channel-model), or a reload when `reload_action` is `kill_then_start`.
 *
 * The update policy, and files of the channel that the application does not use, are not part
 * of the digest: changing them restarts nothing (the new files reach the instance with
 * `specDigest`, for when it next starts anew).
 */
import { type Application, type ChannelStructure, ownFiles } from '@drover/channel-model';
import {
  type ChannelSpecRecord,
  type DesiredRecord,
  digestOf,
  type PlacementRecord,
} from '@drover/cluster-state';

export type PlacementTemplate = Omit<PlacementRecord, 'index' | 'runner'>;

/** Per file of an upload, the digest of its content. */
export function fileDigests(spec: ChannelSpecRecord): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of Object.entries(spec.files)) out.set(path, digestOf(text));
  for (const [path, b64] of Object.entries(spec.binaryFiles)) out.set(path, digestOf({ base64: b64 }));
  return out;
}

/** Per application, its own files with their digests (computed once per upload). */
export function ownFileDigests(
  structure: ChannelStructure,
  spec: ChannelSpecRecord,
): Map<string, Record<string, string>> {
  const digests = fileDigests(spec);
  const out = new Map<string, Record<string, string>>();
  for (const app of structure.applications) {
    out.set(app.name, Object.fromEntries(ownFiles(app, spec).map((p) => [p, digests.get(p) ?? ''])));
  }
  return out;
}

/** The digest of what an instance of `app` runs: restart when it changes. */
export function applicationDigest(
  app: Application,
  files: Readonly<Record<string, string>>,
  desired: DesiredRecord,
): string {
  return digestOf({
    command: app.command,
    args: app.args,
    env: app.env,
    memory: app.memory_limit ?? null,
    restart: app.restart ?? null,
    schedule: app.quartzcron_schedule ?? null,
    files,
    reload: app.reload_action === 'kill_then_start' ? desired.reload : 0,
  });
}

export function placementTemplate(
  ref: { tenant: string; channel: string },
  app: Application,
  files: Readonly<Record<string, string>>,
  specDigest: string,
  desired: DesiredRecord,
): PlacementTemplate {
  return {
    tenant: ref.tenant,
    channel: ref.channel,
    app: app.name,
    command: app.command,
    args: app.args,
    env: app.env,
    ...(app.memory_limit === undefined ? {} : { memoryLimitBytes: app.memory_limit }),
    ...(app.restart === undefined
      ? {}
      : {
          restart: {
            ...(app.restart.initial === undefined ? {} : { initialMs: app.restart.initial }),
            ...(app.restart.max === undefined ? {} : { maxMs: app.restart.max }),
            ...(app.restart.reset_after === undefined ? {} : { resetAfterMs: app.restart.reset_after }),
            ...(app.restart.max_restarts === undefined ? {} : { maxRestarts: app.restart.max_restarts }),
          },
        }),
    ...(app.quartzcron_schedule === undefined ? {} : { schedule: app.quartzcron_schedule }),
    specDigest,
    digest: applicationDigest(app, files, desired),
  };
}
