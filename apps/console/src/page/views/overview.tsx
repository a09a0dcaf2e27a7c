import type { ChannelsLive, HeartbeatsLive, RunnerHeartbeat, RunnersLive } from '@drover/cluster-state';
import { heartbeatLate } from '@drover/cluster-state/heartbeat';
import { StateBadge, Time } from '../components.js';
import { href } from '../route.js';
import { actualSummary, byAttention } from '../states.js';

function channelLink(tenant: string, channel: string) {
  return <a href={href({ view: 'channel', tenant, channel })}>{`${tenant}/${channel}`}</a>;
}

/**
 * How long before the last check etcd had gone without a keepalive from the runner (to the
 * second), and when that check was: a static age, not one counted on from the check, which would
 * climb past the TTL between two checks of a healthy runner on a large platform. Late (two
 * keepalives missing at the check) in the warning tone.
 */
function Heartbeat({ beat }: { beat: RunnerHeartbeat | undefined }) {
  if (beat === undefined)
    return (
      <span class="muted" title="not checked yet, or the runner's record is on no lease">
        –
      </span>
    );
  const late = heartbeatLate(beat);
  const age = Math.round((beat.checkedAt - beat.at) / 1000);
  return (
    <span
      class={late ? 'tone-warn' : undefined}
      data-heartbeat={late ? 'late' : 'ok'}
      title={`etcd's last keepalive from this runner was ${age} s old when checked (lease TTL ${beat.ttl} s)${
        late ? ': two keepalives missing, the runner is lost if none comes within the TTL' : ''
      }`}
    >
      {late && <span aria-hidden="true">⚠ </span>}
      <span data-testid="heartbeat-age">{`${age} s${late ? ' (late)' : ''}`}</span>
      <span class="muted">
        {' · checked '}
        <Time at={beat.checkedAt} />
      </span>
    </span>
  );
}

export function Overview({
  channels,
  runners,
  heartbeats,
}: {
  channels?: ChannelsLive;
  runners?: RunnersLive;
  heartbeats?: HeartbeatsLive;
}) {
  if (channels === undefined || runners === undefined)
    return <p class="muted">Waiting for the controller…</p>;
  const list = channels.channels;
  const attention = list.flatMap((c) =>
    c.attention.map((a) => ({ ...a, tenant: c.tenant, channel: c.channel })),
  );
  const more = list.reduce((n, c) => n + c.attentionMore, 0);
  const totals: Record<string, number> = {};
  for (const c of list) for (const [s, n] of Object.entries(c.instances)) totals[s] = (totals[s] ?? 0) + n;
  return (
    <div class="overview">
      <section aria-labelledby="h-instances">
        <h2 id="h-instances">Instances</h2>
        <ul class="chips" data-testid="instance-totals">
          {Object.entries(totals)
            .sort(([a], [b]) => byAttention(a, b))
            .map(([s, n]) => (
              <li key={s}>
                <StateBadge state={s} /> <strong>{n}</strong>
              </li>
            ))}
          {Object.keys(totals).length === 0 && <li class="muted">none</li>}
        </ul>
      </section>

      <section aria-labelledby="h-attention">
        <h2 id="h-attention">Needs attention</h2>
        {attention.length === 0 ? (
          <p class="muted" data-testid="attention-none">
            Every instance is as asked.
          </p>
        ) : (
          <table class="grid" data-testid="attention">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">State</th>
                <th scope="col">Runner</th>
                <th scope="col">Since</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {attention.map((a) => (
                <tr
                  key={`${a.tenant}/${a.channel}/${a.app}/${a.index}`}
                  data-instance={`${a.tenant}/${a.channel}/${a.app}/${a.index}`}
                >
                  <td>
                    {channelLink(a.tenant, a.channel)} {a.app}[{a.index}]
                  </td>
                  <td>
                    <StateBadge state={a.state} />
                  </td>
                  <td>{a.runner ?? '–'}</td>
                  <td>
                    <Time at={a.since} />
                  </td>
                  <td class="reason">{a.reason ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {more > 0 && <p class="muted">…and {more} more: open the channel to see them all.</p>}
      </section>

      <section aria-labelledby="h-channels">
        <h2 id="h-channels">Channels ({list.length})</h2>
        <table class="grid" data-testid="channels">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Desired</th>
              <th scope="col">Actual</th>
              <th scope="col">Applications</th>
              <th scope="col">Resources</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => {
              const actual = actualSummary(c.desired, c.instances);
              const badTopics = c.topics.filter((t) => !['created', 'present', 'updated'].includes(t.state));
              return (
                <tr key={`${c.tenant}/${c.channel}`} data-channel={`${c.tenant}/${c.channel}`}>
                  <td>{channelLink(c.tenant, c.channel)}</td>
                  <td>
                    <StateBadge state={c.desired} />
                  </td>
                  <td class={actual.settled ? '' : 'unsettled'}>
                    <span aria-hidden="true">{actual.settled ? '✔ ' : '⚠ '}</span>
                    {actual.text}
                  </td>
                  <td>{c.applications}</td>
                  <td>
                    {c.topics.length === 0
                      ? '–'
                      : badTopics.length === 0
                        ? `${c.topics.length} ok`
                        : badTopics.map((t) => (
                            <span key={`${t.type}/${t.name}`}>
                              {t.name} <StateBadge state={t.state} /> {t.error ?? ''}
                            </span>
                          ))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="h-runners">
        <h2 id="h-runners">Runners ({runners.runners.length} live)</h2>
        <table class="grid" data-testid="runners">
          <thead>
            <tr>
              <th scope="col">Runner</th>
              <th scope="col">State</th>
              <th scope="col">Cluster</th>
              <th scope="col">Tags</th>
              <th scope="col">Instances</th>
              <th scope="col">Registered</th>
              <th scope="col">Heartbeat</th>
              <th scope="col">Memory limits</th>
            </tr>
          </thead>
          <tbody>
            {runners.lost.map((r) => (
              <tr key={`lost-${r.name}`} data-runner={r.name} class="lost">
                <th scope="row">{r.name}</th>
                <td>
                  <span
                    class="state tone-bad"
                    data-state="lost"
                    title="its lease expired: its instances are moved or pending"
                  >
                    <span aria-hidden="true">✖</span> lost <Time at={r.lostAt} />
                  </span>
                </td>
                <td>{r.cluster}</td>
                <td>{r.tags.join(', ')}</td>
                <td>–</td>
                <td>–</td>
                <td>–</td>
                <td>–</td>
              </tr>
            ))}
            {runners.runners.map((r) => (
              <tr key={r.name} data-runner={r.name}>
                <th scope="row">{r.name}</th>
                <td>
                  <span class="state tone-ok" data-state="live" title="registered under a live lease">
                    <span aria-hidden="true">●</span> live
                  </span>
                </td>
                <td>{r.cluster}</td>
                <td>{r.tags.join(', ')}</td>
                <td>{r.instances}</td>
                <td>
                  <Time at={r.startedAt} />
                </td>
                <td data-testid="heartbeat">
                  <Heartbeat beat={heartbeats?.runners[r.name]} />
                </td>
                <td>{r.memoryEnforcement ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="h-topics">
        <h2 id="h-topics">Resources</h2>
        <table class="grid" data-testid="topics">
          <thead>
            <tr>
              <th scope="col">Resource</th>
              <th scope="col">Type</th>
              <th scope="col">Cluster</th>
              <th scope="col">State</th>
              <th scope="col">Channel</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {list.flatMap((c) =>
              c.topics.map((t) => (
                <tr key={`${c.tenant}/${c.channel}/${t.type}/${t.cluster}/${t.name}`}>
                  <td>{t.name}</td>
                  <td>{t.type}</td>
                  <td>{t.cluster}</td>
                  <td>
                    <StateBadge state={t.state} />
                  </td>
                  <td>{channelLink(c.tenant, c.channel)}</td>
                  <td class="reason">{t.error ?? ''}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </section>
    </div>
  );
}
