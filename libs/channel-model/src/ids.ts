/**
 * How channels, applications and instances are named in text, defined once:
 *
 * | id              | format                        | where                                      |
 * |-----------------|-------------------------------|--------------------------------------------|
 * | channel ref     | `tenant/channel`              | CLI arguments, the controller's queue keys |
 * | application ref | `tenant/channel/app`          | CLI (`logs`), placement demand ids         |
 * | instance id     | `tenant.channel.app.index`    | runner API paths, cgroup and log names     |
 *
 * Every part is an IDENTIFIER (names.ts), which has neither `/` nor `.`: the formats parse back
 * without ambiguity.
 */
import { IDENTIFIER, INSTANCE_INDEX } from './names.js';

export interface ChannelRef {
  readonly tenant: string;
  readonly channel: string;
}

export interface ApplicationRef extends ChannelRef {
  readonly app: string;
}

export interface InstanceRef extends ApplicationRef {
  readonly index: number;
}

const isName = (s: string | undefined): s is string => s !== undefined && IDENTIFIER.test(s);

/** `tenant/channel`. */
export function channelRef(ref: ChannelRef): string {
  return `${ref.tenant}/${ref.channel}`;
}

/** `tenant/channel` back into its parts; undefined when it is not two identifiers. */
export function parseChannelRef(text: string): ChannelRef | undefined {
  const [tenant, channel, ...rest] = text.split('/');
  return rest.length === 0 && isName(tenant) && isName(channel) ? { tenant, channel } : undefined;
}

/** `tenant/channel/app`. */
export function applicationRef(ref: ApplicationRef): string {
  return `${ref.tenant}/${ref.channel}/${ref.app}`;
}

export function parseApplicationRef(text: string): ApplicationRef | undefined {
  const [tenant, channel, app, ...rest] = text.split('/');
  return rest.length === 0 && isName(tenant) && isName(channel) && isName(app)
    ? { tenant, channel, app }
    : undefined;
}

/** `tenant.channel.app.index`: the instance id of the runner's API, its cgroups and logs. */
export function instanceId(ref: InstanceRef): string {
  return `${ref.tenant}.${ref.channel}.${ref.app}.${ref.index}`;
}

export function parseInstanceId(text: string): InstanceRef | undefined {
  const [tenant, channel, app, index, ...rest] = text.split('.');
  if (rest.length > 0 || !isName(tenant) || !isName(channel) || !isName(app)) return undefined;
  if (index === undefined || !INSTANCE_INDEX.test(index)) return undefined;
  return { tenant, channel, app, index: Number(index) };
}
