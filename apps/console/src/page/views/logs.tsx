import { useEffect, useRef, useState } from 'preact/hooks';
import { channelPath, errorOf } from '../api.js';
import { Banner } from '../components.js';
import { exactTime } from '../format.js';
import { href } from '../route.js';

/** Lines kept on the page; older ones are dropped as new ones come. */
const KEEP = 2000;
const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

interface Line {
  readonly n: number;
  readonly time?: number;
  readonly level?: string;
  readonly stream?: string;
  readonly text: string;
}

function parseLine(n: number, raw: string): Line {
  try {
    const r = JSON.parse(raw) as { time?: number; level?: number; msg?: string; stream?: string };
    return {
      n,
      ...(typeof r.time === 'number' ? { time: r.time } : {}),
      ...(typeof r.level === 'number' ? { level: LEVELS[r.level] ?? String(r.level) } : {}),
      ...(typeof r.stream === 'string' ? { stream: r.stream } : {}),
      text: typeof r.msg === 'string' ? r.msg : raw,
    };
  } catch {
    return { n, text: raw };
  }
}

export function Logs(props: { tenant: string; channel: string; app: string; index: number }) {
  const { tenant, channel, app, index } = props;
  const [tail, setTail] = useState(200);
  const [followOn, setFollow] = useState(true);
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState<{ kind: 'info' | 'error'; text: string }>({
    kind: 'info',
    text: 'loading…',
  });
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);

  useEffect(() => {
    const abort = new AbortController();
    let n = 0;
    setLines([]);
    setStatus({ kind: 'info', text: followOn ? 'following…' : 'loading…' });
    const url = `${channelPath(tenant, channel)}/applications/${encodeURIComponent(app)}/instances/${index}/logs?tail=${tail}${followOn ? '&follow=true' : ''}`;
    void (async () => {
      try {
        const res = await fetch(url, { credentials: 'same-origin', signal: abort.signal });
        if (!res.ok || res.body === null) {
          const err = await errorOf(res);
          setStatus({ kind: 'error', text: `${res.status}: ${err.message}` });
          return;
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let rest = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          rest += value;
          const parts = rest.split('\n');
          rest = parts.pop() ?? '';
          const fresh = parts.filter((p) => p !== '').map((p) => parseLine(n++, p));
          if (fresh.length > 0) setLines((old) => [...old, ...fresh].slice(-KEEP));
        }
        setStatus({ kind: 'info', text: followOn ? 'the runner ended the stream' : `last ${tail} lines` });
      } catch (err) {
        if ((err as Error).name !== 'AbortError') setStatus({ kind: 'error', text: (err as Error).message });
      }
    })();
    return () => abort.abort();
  }, [tenant, channel, app, index, tail, followOn]);

  useEffect(() => {
    const el = box.current;
    if (el !== null && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div class="logs">
      <p>
        <a href={href({ view: 'channel', tenant, channel })}>
          ← {tenant}/{channel}
        </a>
      </p>
      <h2>
        Logs of {app}[{index}]
      </h2>
      <form class="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          Last{' '}
          <select
            value={String(tail)}
            onChange={(e) => setTail(Number((e.target as HTMLSelectElement).value))}
          >
            {[50, 200, 1000, 5000].map((v) => (
              <option key={v} value={String(v)}>
                {v}
              </option>
            ))}
          </select>{' '}
          lines
        </label>
        <label>
          <input
            type="checkbox"
            checked={followOn}
            onChange={(e) => setFollow((e.target as HTMLInputElement).checked)}
          />{' '}
          Follow
        </label>
        <span
          class={status.kind === 'error' ? 'error-text' : 'muted'}
          role="status"
          data-testid="logs-status"
        >
          {status.text} · {lines.length} lines
        </span>
      </form>
      {status.kind === 'error' && <Banner kind="error">{status.text}</Banner>}
      <pre
        class="log-box"
        ref={box}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
        tabIndex={0}
        data-testid="log-lines"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
        }}
      >
        {lines.map((l) => (
          <div key={l.n} class={`log-line level-${l.level ?? 'none'}`}>
            {l.time !== undefined && (
              <span class="log-time" title={exactTime(l.time)}>
                {new Date(l.time).toISOString().slice(11, 23)}{' '}
              </span>
            )}
            {l.stream !== undefined && <span class="log-stream">{l.stream} </span>}
            {l.text}
          </div>
        ))}
      </pre>
    </div>
  );
}
