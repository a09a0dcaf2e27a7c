import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { type ConsoleInfo, closeSession, consoleInfo, openSession } from './api.js';
import { Banner, Time } from './components.js';
import { follow, type LiveState } from './live.js';
import { href, parseRoute, type Route } from './route.js';
import { Channel } from './views/channel.js';
import { Logs } from './views/logs.js';
import { Overview } from './views/overview.js';
import { Search } from './views/search.js';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The live query a view follows: the overview's, a channel's, or none. */
function liveQuery(route: Route): string | undefined {
  if (route.view === 'overview') return '';
  if (route.view === 'channel') return `channel=${route.tenant}/${route.channel}`;
  return undefined;
}

function TokenDialog({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="token-title"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const input = (e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
          try {
            await openSession(input.value);
            input.value = '';
            onDone();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <h2 id="token-title">API token</h2>
        <p>
          Entered once for this browser session. The controller keeps a session cookie that scripts cannot
          read; the token itself is not stored.
        </p>
        <label>
          Token <input type="password" name="token" autocomplete="off" required autofocus />
        </label>
        {error !== undefined && <Banner kind="error">{error}</Banner>}
        <div class="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Use this token
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function App() {
  const route = useRoute();
  const [info, setInfo] = useState<ConsoleInfo | undefined>();
  const [infoError, setInfoError] = useState<string | undefined>();
  const [live, setLive] = useState<LiveState>({ link: 'connecting' });
  const [askingToken, setAskingToken] = useState(false);
  const query = liveQuery(route);

  const refreshInfo = useCallback(() => {
    consoleInfo()
      .then((i) => {
        setInfo(i);
        setInfoError(undefined);
        if (i.readsNeedToken && !i.authenticated) setAskingToken(true);
      })
      .catch((err: Error) => setInfoError(err.message));
  }, []);
  useEffect(refreshInfo, []);

  const canRead = info !== undefined && (!info.readsNeedToken || info.authenticated);
  useEffect(() => {
    if (query === undefined || !canRead) return;
    setLive({ link: 'connecting' });
    return follow(query, setLive);
  }, [query, canRead]);

  const cluster = live.cluster;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <h1>
          <a href="#/">Drover</a>
        </h1>
        <nav aria-label="Views">
          <a href="#/" aria-current={route.view === 'overview' ? 'page' : undefined}>
            Overview
          </a>
          <a
            href={href({ view: 'search', params: {} })}
            aria-current={route.view === 'search' ? 'page' : undefined}
          >
            Log search
          </a>
        </nav>
        <div class="status" data-testid="cluster-status">
          {cluster !== undefined && (
            <>
              <span>
                controller <strong>{cluster.self.id}</strong> ({cluster.self.leader ? 'leader' : 'standby'})
              </span>
              <span data-testid="leader">
                leader{' '}
                {cluster.leader === null ? (
                  <strong class="error-text">none</strong>
                ) : (
                  <>
                    <strong>{cluster.leader.id}</strong> since <Time at={cluster.leader.startedAt} />
                  </>
                )}
              </span>
              {!cluster.etcd && <strong class="error-text">✖ etcd unreachable</strong>}
            </>
          )}
          {query !== undefined && (
            <span data-testid="link" data-link={live.link} class={`link-state link-${live.link}`}>
              {live.link === 'live' ? (
                <>
                  <span aria-hidden="true">●</span> live
                </>
              ) : live.link === 'connecting' ? (
                <>
                  <span aria-hidden="true">◌</span> connecting…
                </>
              ) : (
                <>
                  <span aria-hidden="true">✖</span> reconnecting, lost <Time at={live.lostAt} />
                </>
              )}
            </span>
          )}
          {info?.tokenRequired &&
            (info.authenticated ? (
              <button
                type="button"
                onClick={async () => {
                  await closeSession().catch(() => {});
                  refreshInfo();
                }}
              >
                Forget token
              </button>
            ) : (
              <button type="button" class="primary" onClick={() => setAskingToken(true)}>
                Enter token
              </button>
            ))}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {infoError !== undefined && <Banner kind="error">The controller does not answer: {infoError}</Banner>}
        {info?.readsNeedToken && !info.authenticated && (
          <Banner kind="info">
            This controller needs the API token to show anything from outside its host.
          </Banner>
        )}
        {live.link === 'reconnecting' && (
          <Banner kind="error">
            The live link to the controller is lost; what you see may be stale. Reconnecting…
          </Banner>
        )}
        {route.view === 'overview' && canRead && (
          <Overview channels={live.channels} runners={live.runners} heartbeats={live.heartbeats} />
        )}
        {route.view === 'channel' && canRead && (
          <Channel
            tenant={route.tenant}
            channel={route.channel}
            view={live.channel}
            tokenRequired={info?.tokenRequired === true}
            authenticated={info?.authenticated === true}
            askToken={() => setAskingToken(true)}
          />
        )}
        {route.view === 'logs' && canRead && <Logs {...route} />}
        {route.view === 'search' && canRead && <Search params={route.params} info={info} />}
      </main>
      {askingToken && (
        <TokenDialog
          onDone={() => {
            setAskingToken(false);
            refreshInfo();
          }}
          onCancel={() => setAskingToken(false)}
        />
      )}
    </>
  );
}
