import type { ChannelRuntime, ChannelView, InstanceRuntime } from '@drover/cluster-state';
import { ratesOf } from '@drover/cluster-state/rates';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, channelPath, getJson, send } from '../api.js';
import { Banner, ConfirmDialog, Sparkline, StateBadge, Time } from '../components.js';
import { bytes, count, lastExitText } from '../format.js';
import { href } from '../route.js';

type Action = 'start' | 'stop' | 'reload';
const RUNTIME_EVERY_MS = 5000;

const ACTIONS: Record<Action, { label: string; question: string; effect: string; danger: boolean }> = {
  start: {
    label: 'Start',
    question: 'Start',
    effect: 'Its instances are placed and started.',
    danger: false,
  },
  stop: {
    label: 'Stop',
    question: 'Stop',
    effect: 'Every instance is stopped (SIGTERM, then SIGKILL after the grace).',
    danger: true,
  },
  reload: {
    label: 'Reload',
    question: 'Reload',
    effect: 'Every instance is restarted (kill then start); senders fail over meanwhile.',
    danger: true,
  },
};

function useRuntime(tenant: string, channel: string): { runtime?: ChannelRuntime; error?: string } {
  const [state, setState] = useState<{ runtime?: ChannelRuntime; error?: string }>({});
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const abort = new AbortController();
    const load = async () => {
      try {
        const runtime = await getJson<ChannelRuntime>(
          `${channelPath(tenant, channel)}/runtime`,
          abort.signal,
        );
        if (!stopped) setState({ runtime });
      } catch (err) {
        if (!stopped && (err as Error).name !== 'AbortError')
          setState((s) => ({ ...s, error: (err as Error).message }));
      }
      if (!stopped) timer = setTimeout(load, RUNTIME_EVERY_MS);
    };
    void load();
    return () => {
      stopped = true;
      abort.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [tenant, channel]);
  return state;
}

export function Channel(props: {
  tenant: string;
  channel: string;
  view: ChannelView | null | undefined;
  tokenRequired: boolean;
  authenticated: boolean;
  askToken: () => void;
}) {
  const { tenant, channel, view } = props;
  const [asking, setAsking] = useState<Action | undefined>();
  const [outcome, setOutcome] = useState<
    { kind: 'ok' | 'error'; text: string; refused?: boolean } | undefined
  >();
  const [busy, setBusy] = useState(false);
  const { runtime, error: runtimeError } = useRuntime(tenant, channel);

  if (view === undefined) return <p class="muted">Waiting for the controller…</p>;
  if (view === null) {
    return (
      <Banner kind="error">
        Channel {tenant}/{channel} is unknown to the controller (never uploaded:{' '}
        <code>
          channelctl start {tenant}/{channel}
        </code>
        ).
      </Banner>
    );
  }

  const run = async (action: Action) => {
    setAsking(undefined);
    setBusy(true);
    setOutcome(undefined);
    try {
      await send('POST', `${channelPath(tenant, channel)}/${action}`);
      setOutcome({ kind: 'ok', text: `${ACTIONS[action].label}: accepted; the leader acts on it now.` });
    } catch (err) {
      const e = err as ApiError;
      setOutcome({
        kind: 'error',
        refused: e instanceof ApiError && e.refused,
        text:
          e instanceof ApiError && e.refused
            ? `Refused (${e.status}): ${e.message}. This needs the API token.`
            : `${ACTIONS[action].label} failed: ${e.message}`,
      });
    } finally {
      setBusy(false);
    }
  };

  const runtimeOf = (app: string, index: number): InstanceRuntime | undefined =>
    runtime?.instances.find((i) => i.app === app && i.index === index);

  return (
    <div class="channel">
      <div class="title-row">
        <h2>
          {tenant}/{channel}
        </h2>
        <span>
          desired <StateBadge state={view.desired} /> · generation {view.generation}
        </span>
        <div class="actions">
          {(Object.keys(ACTIONS) as Action[]).map((a) => (
            <button
              key={a}
              type="button"
              class={ACTIONS[a].danger ? 'danger' : ''}
              disabled={busy}
              onClick={() => setAsking(a)}
              data-action={a}
            >
              {ACTIONS[a].label}…
            </button>
          ))}
        </div>
      </div>
      {props.tokenRequired && !props.authenticated && (
        <p class="muted">
          Start, stop and reload need the API token.{' '}
          <button type="button" class="link" onClick={props.askToken}>
            Enter it
          </button>
        </p>
      )}
      {outcome !== undefined && (
        <div data-testid="action-outcome">
          <Banner kind={outcome.kind}>
            {outcome.text}{' '}
            {outcome.refused && (
              <button type="button" class="link" onClick={props.askToken}>
                Enter the token
              </button>
            )}
          </Banner>
        </div>
      )}
      {asking !== undefined && (
        <ConfirmDialog
          title={`${ACTIONS[asking].question} ${tenant}/${channel}?`}
          confirm={ACTIONS[asking].label}
          danger={ACTIONS[asking].danger}
          onConfirm={() => void run(asking)}
          onCancel={() => setAsking(undefined)}
        >
          <p>{ACTIONS[asking].effect}</p>
        </ConfirmDialog>
      )}

      {view.applications.map((app) => (
        <section key={app.name} aria-labelledby={`app-${app.name}`} class="app">
          <h3 id={`app-${app.name}`}>
            {app.name}{' '}
            <span class="muted">
              · {app.command} · cluster {app.cluster || '–'} · tags {app.tags.join(', ') || 'none'}
            </span>
          </h3>
          <table class="grid" data-testid={`instances-${app.name}`}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">State</th>
                <th scope="col">Runner</th>
                <th scope="col">PID</th>
                <th scope="col">Restarts</th>
                <th scope="col">Last exit</th>
                <th scope="col">Memory (RSS / limit)</th>
                <th scope="col">OOM kills</th>
                <th scope="col">Since</th>
                <th scope="col">Next run</th>
                <th scope="col">Reason</th>
                <th scope="col">Logs</th>
              </tr>
            </thead>
            <tbody>
              {app.instances.map((i) => {
                const rt = runtimeOf(app.name, i.index);
                const limit = rt?.memoryLimitBytes ?? i.memoryLimitBytes;
                const share = rt?.rssBytes != null && limit != null ? rt.rssBytes / limit : undefined;
                return (
                  <tr key={i.index} data-instance={`${app.name}/${i.index}`}>
                    <td>{i.index}</td>
                    <td>
                      <StateBadge state={i.state} />
                    </td>
                    <td>{i.runner ?? '–'}</td>
                    <td>{i.pid ?? '–'}</td>
                    <td data-field="restarts">{i.restarts}</td>
                    <td>
                      {lastExitText(i.lastExit)} {i.lastExit !== null && <Time at={i.lastExit.at} />}
                    </td>
                    <td>
                      {bytes(rt?.rssBytes)} / {bytes(limit)}
                      {share !== undefined && (
                        <meter
                          min={0}
                          max={1}
                          low={0.7}
                          high={0.9}
                          optimum={0}
                          value={share}
                          title={`${Math.round(share * 100)}% of the limit`}
                        />
                      )}
                    </td>
                    <td>{i.oomKills}</td>
                    <td>
                      <Time at={i.since} />
                    </td>
                    <td>{i.nextRunAt === null ? '–' : <Time at={i.nextRunAt} />}</td>
                    <td class="reason">{i.reason ?? ''}</td>
                    <td>
                      <a href={href({ view: 'logs', tenant, channel, app: app.name, index: i.index })}>
                        logs
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {app.instances.map((i) => {
            const rt = runtimeOf(app.name, i.index);
            return <Counters key={`c-${i.index}`} app={app.name} index={i.index} runtime={rt} />;
          })}
        </section>
      ))}

      {runtimeError !== undefined && <Banner kind="error">Counters: {runtimeError}</Banner>}

      <section aria-labelledby="h-ch-topics">
        <h3 id="h-ch-topics">Resources</h3>
        {view.resources.length === 0 ? (
          <p class="muted">none declared</p>
        ) : (
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">Type</th>
                <th scope="col">Cluster</th>
                <th scope="col">State</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {view.resources.map((r) => (
                <tr key={`${r.type}/${r.cluster}/${r.name}`}>
                  <td>{r.name}</td>
                  <td>{r.type}</td>
                  <td>{r.cluster}</td>
                  <td>
                    <StateBadge state={r.state} />
                  </td>
                  <td class="reason">{r.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function Counters({
  app,
  index,
  runtime,
}: {
  app: string;
  index: number;
  runtime: InstanceRuntime | undefined;
}) {
  if (runtime === undefined) return null;
  const p = runtime.pipeline;
  if (p === null) {
    return (
      <p class="muted counters-none">
        {app}[{index}] counters: {runtime.error ?? 'none'}
      </p>
    );
  }
  const rates = ratesOf(p.history.samples, 'in');
  return (
    <div class="counters" data-testid={`counters-${app}-${index}`}>
      <h4>
        {app}[{index}] pipeline · in flight {count(p.inFlight)} · events/s over the last minutes{' '}
        <Sparkline points={rates} label={`${app}[${index}] events per second`} />
      </h4>
      <table class="grid numbers">
        <thead>
          <tr>
            <th scope="col">Component</th>
            <th scope="col">Kind</th>
            <th scope="col">In</th>
            <th scope="col">Out</th>
            <th scope="col">Acked</th>
            <th scope="col">Failed</th>
            <th scope="col">Errors</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(p.components).map(([name, c]) => (
            <tr key={name} data-component={name}>
              <th scope="row">{name}</th>
              <td>{c.kind}</td>
              <td>{count(c.in)}</td>
              <td>{count(c.out)}</td>
              <td>{count(c.acked)}</td>
              <td class={c.failed > 0 ? 'warn' : ''}>{count(c.failed)}</td>
              <td class={c.errors > 0 ? 'warn' : ''}>{count(c.errors)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
