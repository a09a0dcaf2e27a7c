/**
 * The key layout of Drover in etcd, under a prefix (default `/drover`):
 *
 * | key                                                  | written by       | value                    |
 * |------------------------------------------------------|------------------|--------------------------|
 * | runners/<runner>                                     | runner, on lease | runner record            |
 * | channels/<tenant>/<channel>/spec                     | API              | channel + shipped files  |
 * | channels/<tenant>/<channel>/desired                  | API              | started/stopped + gen    |
 * | channels/<tenant>/<channel>/versions/<digest>        | API; leader GC   | files of an older upload |
 * | placements/<runner>/<tenant>/<channel>/<app>/<i>     | leader (fenced)  | assignment               |
 * | status/<tenant>/<channel>/<app>/<i>                  | runner, on lease | instance status          |
 * | resources/<tenant>/<channel>/<name>                  | leader (fenced)  | resource state, errors   |
 * | pending/<tenant>/<channel>                           | leader (fenced)  | unplaced instances, why  |
 * | rollouts/<tenant>/<channel>                          | leader (fenced)  | rolling update progress  |
 * | election/<name>/<lease id hex>                       | candidates       | candidate identity       |
 * | audit/<ISO time>-<random hex>                        | API; leader purge| audit entry              |
 *
 * Audit keys start with the entry's time (ISO 8601 in UTC, fixed width), so they sort by time and
 * a time range is a key range (`auditFrom(time)`).
 *
 * A resource's `<name>` is channel-model's resourceKeyName: a Kafka topic's name, or
 * `elasticsearch_index_template:<name>` for an index template.
 *
 * Placements are grouped by runner first so that a runner watches exactly its own prefix.
 * Every segment is validated: no `/`, not empty, not `.` or `..`.
 */
import { INSTANCE_INDEX } from '@drover/channel-model';
import { StoreError } from './errors.js';

export interface InstanceRef {
  readonly tenant: string;
  readonly channel: string;
  readonly app: string;
  readonly index: number;
}

export interface PlacementRef extends InstanceRef {
  readonly runner: string;
}

export function checkSegment(segment: string, what: string): string {
  if (segment === '' || segment === '.' || segment === '..' || segment.includes('/')) {
    throw new StoreError(
      'BAD_KEY',
      `invalid ${what} "${segment}" in a key: empty, "." or "..", or contains "/"`,
    );
  }
  return segment;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (!trimmed.startsWith('/'))
    throw new StoreError('BAD_KEY', `key prefix must start with "/": "${prefix}"`);
  return `${trimmed}/`;
}

export class KeyLayout {
  /** Always ends with `/`. */
  readonly root: string;

  constructor(prefix = '/drover') {
    this.root = normalisePrefix(prefix);
  }

  runners(): string {
    return `${this.root}runners/`;
  }
  runner(name: string): string {
    return `${this.runners()}${checkSegment(name, 'runner name')}`;
  }
  channels(): string {
    return `${this.root}channels/`;
  }
  channel(tenant: string, channel: string): string {
    return `${this.channels()}${checkSegment(tenant, 'tenant')}/${checkSegment(channel, 'channel')}/`;
  }
  channelSpec(tenant: string, channel: string): string {
    return `${this.channel(tenant, channel)}spec`;
  }
  channelDesired(tenant: string, channel: string): string {
    return `${this.channel(tenant, channel)}desired`;
  }
  /** Files of uploads that placements still run, by their digest (the current one is `spec`). */
  channelVersions(tenant: string, channel: string): string {
    return `${this.channel(tenant, channel)}versions/`;
  }
  channelVersion(tenant: string, channel: string, digest: string): string {
    return `${this.channelVersions(tenant, channel)}${checkSegment(digest, 'digest')}`;
  }
  placements(runner?: string): string {
    const base = `${this.root}placements/`;
    return runner === undefined ? base : `${base}${checkSegment(runner, 'runner name')}/`;
  }
  placement(ref: PlacementRef): string {
    return `${this.placements(ref.runner)}${instancePath(ref)}`;
  }
  statuses(tenant?: string, channel?: string): string {
    const base = `${this.root}status/`;
    if (tenant === undefined) return base;
    if (channel === undefined) return `${base}${checkSegment(tenant, 'tenant')}/`;
    return `${base}${checkSegment(tenant, 'tenant')}/${checkSegment(channel, 'channel')}/`;
  }
  status(ref: InstanceRef): string {
    return `${this.statuses()}${instancePath(ref)}`;
  }
  resources(tenant?: string, channel?: string): string {
    const base = `${this.root}resources/`;
    if (tenant === undefined || channel === undefined) return base;
    return `${base}${checkSegment(tenant, 'tenant')}/${checkSegment(channel, 'channel')}/`;
  }
  resource(tenant: string, channel: string, name: string): string {
    return `${this.resources(tenant, channel)}${checkSegment(name, 'resource name')}`;
  }
  pendings(): string {
    return `${this.root}pending/`;
  }
  pending(tenant: string, channel: string): string {
    return `${this.pendings()}${checkSegment(tenant, 'tenant')}/${checkSegment(channel, 'channel')}`;
  }
  rollouts(): string {
    return `${this.root}rollouts/`;
  }
  rollout(tenant: string, channel: string): string {
    return `${this.rollouts()}${checkSegment(tenant, 'tenant')}/${checkSegment(channel, 'channel')}`;
  }
  audits(): string {
    return `${this.root}audit/`;
  }
  /** The key of an audit entry written at `time` (`suffix`: a random part, unique per entry). */
  audit(time: Date, suffix: string): string {
    return `${this.auditFrom(time)}-${checkSegment(suffix, 'audit entry suffix')}`;
  }
  /** The first key an audit entry written at or after `time` can have (range boundaries). */
  auditFrom(time: Date): string {
    return `${this.audits()}${time.toISOString()}`;
  }
  elections(): string {
    return `${this.root}election/`;
  }
  election(name: string): string {
    return `${this.elections()}${checkSegment(name, 'election name')}/`;
  }

  /** `placements/<runner>/<tenant>/<channel>/<app>/<i>` back into its parts, or undefined. */
  parsePlacement(key: string): PlacementRef | undefined {
    const parts = this.split(key, 'placements/', 5);
    if (parts === undefined) return undefined;
    const [runner, tenant, channel, app, index] = parts as [string, string, string, string, string];
    const i = parseIndex(index);
    return i === undefined ? undefined : { runner, tenant, channel, app, index: i };
  }

  parseStatus(key: string): InstanceRef | undefined {
    const parts = this.split(key, 'status/', 4);
    if (parts === undefined) return undefined;
    const [tenant, channel, app, index] = parts as [string, string, string, string];
    const i = parseIndex(index);
    return i === undefined ? undefined : { tenant, channel, app, index: i };
  }

  parseRunner(key: string): string | undefined {
    return this.split(key, 'runners/', 1)?.[0];
  }

  /** `channels/<tenant>/<channel>/<spec|desired>` back into its parts, or undefined. */
  parseChannel(key: string): { tenant: string; channel: string; part: 'spec' | 'desired' } | undefined {
    const parts = this.split(key, 'channels/', 3);
    if (parts === undefined) return undefined;
    const [tenant, channel, part] = parts as [string, string, string];
    return part === 'spec' || part === 'desired' ? { tenant, channel, part } : undefined;
  }

  /** `channels/<tenant>/<channel>/versions/<digest>` back into its parts, or undefined. */
  parseChannelVersion(key: string): { tenant: string; channel: string; digest: string } | undefined {
    const parts = this.split(key, 'channels/', 4);
    if (parts === undefined || parts[2] !== 'versions') return undefined;
    const [tenant, channel, , digest] = parts as [string, string, string, string];
    return { tenant, channel, digest };
  }

  parseRollout(key: string): { tenant: string; channel: string } | undefined {
    const parts = this.split(key, 'rollouts/', 2);
    if (parts === undefined) return undefined;
    const [tenant, channel] = parts as [string, string];
    return { tenant, channel };
  }

  parseResource(key: string): { tenant: string; channel: string; name: string } | undefined {
    const parts = this.split(key, 'resources/', 3);
    if (parts === undefined) return undefined;
    const [tenant, channel, name] = parts as [string, string, string];
    return { tenant, channel, name };
  }

  parsePending(key: string): { tenant: string; channel: string } | undefined {
    const parts = this.split(key, 'pending/', 2);
    if (parts === undefined) return undefined;
    const [tenant, channel] = parts as [string, string];
    return { tenant, channel };
  }

  private split(key: string, section: string, count: number): string[] | undefined {
    const head = `${this.root}${section}`;
    if (!key.startsWith(head)) return undefined;
    const parts = key.slice(head.length).split('/');
    if (parts.length !== count || parts.some((p) => p === '' || p === '.' || p === '..')) return undefined;
    return parts;
  }
}

function instancePath(ref: InstanceRef): string {
  if (!Number.isInteger(ref.index) || ref.index < 0) {
    throw new StoreError('BAD_KEY', `invalid instance index ${ref.index}: must be an integer >= 0`);
  }
  return [
    checkSegment(ref.tenant, 'tenant'),
    checkSegment(ref.channel, 'channel'),
    checkSegment(ref.app, 'application'),
    String(ref.index),
  ].join('/');
}

function parseIndex(text: string): number | undefined {
  return INSTANCE_INDEX.test(text) ? Number(text) : undefined;
}
