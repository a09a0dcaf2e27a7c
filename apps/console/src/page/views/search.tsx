import { useEffect, useState } from 'preact/hooks';
import { ApiError, type ConsoleInfo, getJson } from '../api.js';
import { Banner, Time } from '../components.js';
import { exactTime } from '../format.js';
import { href } from '../route.js';

interface Hit {
  id: string;
  ts: string;
  host: string | null;
  program: string | null;
  severity: number | null;
  message: string | null;
  truncated: boolean;
}
interface Page {
  hits: Hit[];
  next: string | null;
}

const SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'];
const FIELDS = ['q', 'host', 'program', 'severity', 'from', 'to'] as const;

/** datetime-local (no zone: the browser's) to RFC 3339 and back. */
function toIso(local: string): string {
  return local === '' ? '' : new Date(local).toISOString();
}
function toLocal(iso: string | undefined): string {
  if (iso === undefined || iso === '') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function Search({
  params,
  info,
}: {
  params: Readonly<Record<string, string>>;
  info: ConsoleInfo | undefined;
}) {
  const [form, setForm] = useState<Record<string, string>>({ ...params });
  const [cursors, setCursors] = useState<string[]>([]);
  const [page, setPage] = useState<Page | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [open, setOpen] = useState<
    { id: string; event?: Record<string, unknown>; error?: string } | undefined
  >();
  const [loading, setLoading] = useState(false);
  const searched = FIELDS.some((f) => (params[f] ?? '') !== '') || params.all === '1';

  useEffect(() => setForm({ ...params }), [params]);
  useEffect(() => {
    if (!searched || info?.logStore === null) return;
    const abort = new AbortController();
    const q = new URLSearchParams();
    for (const f of FIELDS) if ((params[f] ?? '') !== '') q.set(f, params[f] as string);
    const cursor = cursors.at(-1);
    if (cursor !== undefined) q.set('cursor', cursor);
    q.set('limit', '50');
    setLoading(true);
    getJson<Page>(`/v1/logs/search?${q}`, abort.signal)
      .then((p) => {
        setPage(p);
        setError(undefined);
      })
      .catch((err: Error) => {
        if (err.name !== 'AbortError')
          setError(err instanceof ApiError ? `${err.status}: ${err.message}` : err.message);
      })
      .finally(() => setLoading(false));
    return () => abort.abort();
  }, [params, cursors, searched, info?.logStore]);

  const openEvent = async (id: string) => {
    setOpen({ id });
    try {
      setOpen({
        id,
        event: await getJson<Record<string, unknown>>(`/v1/logs/events/${encodeURIComponent(id)}`),
      });
    } catch (err) {
      setOpen({ id, error: (err as Error).message });
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    setCursors([]);
    setOpen(undefined);
    const next: Record<string, string> = {};
    for (const f of FIELDS) if ((form[f] ?? '') !== '') next[f] = form[f] as string;
    if (Object.keys(next).length === 0) next.all = '1';
    location.hash = href({ view: 'search', params: next });
  };
  const field = (name: string) => ({
    value: form[name] ?? '',
    onInput: (e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value }),
  });

  return (
    <div class="search">
      <h2>Log search</h2>
      {info?.logStore === null && (
        <Banner kind="info">
          No log store is configured on this controller: set log_store.url in the platform file.
        </Banner>
      )}
      {info?.logStore != null && (
        <p class="muted">
          PostgreSQL table {info.logStore.schema}.{info.logStore.table}, newest first.
        </p>
      )}
      <form class="search-form" onSubmit={submit} aria-label="Search the stored logs">
        <label>
          Text <input type="search" name="q" placeholder='words, "a phrase", -excluded' {...field('q')} />
        </label>
        <label>
          Host <input name="host" {...field('host')} />
        </label>
        <label>
          Program <input name="program" {...field('program')} />
        </label>
        <label>
          Severity at least{' '}
          <select name="severity" {...field('severity')}>
            <option value="">any</option>
            {SEVERITIES.map((s, i) => (
              <option key={s} value={String(i)}>
                {i} {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From{' '}
          <input
            type="datetime-local"
            name="from"
            value={toLocal(form.from)}
            onInput={(e) => setForm({ ...form, from: toIso((e.target as HTMLInputElement).value) })}
          />
        </label>
        <label>
          To{' '}
          <input
            type="datetime-local"
            name="to"
            value={toLocal(form.to)}
            onInput={(e) => setForm({ ...form, to: toIso((e.target as HTMLInputElement).value) })}
          />
        </label>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      {error !== undefined && <Banner kind="error">{error}</Banner>}
      {loading && <p class="muted">searching…</p>}
      {page !== undefined && (
        <>
          <table class="grid results" data-testid="search-results">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Host</th>
                <th scope="col">Program</th>
                <th scope="col">Severity</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {page.hits.map((h) => (
                <tr key={h.id} class={open?.id === h.id ? 'selected' : ''} data-id={h.id}>
                  <td title={exactTime(h.ts)}>
                    <Time at={h.ts} />
                  </td>
                  <td>{h.host ?? '–'}</td>
                  <td>{h.program ?? '–'}</td>
                  <td>{h.severity === null ? '–' : `${h.severity} ${SEVERITIES[h.severity] ?? ''}`}</td>
                  <td>
                    <button
                      type="button"
                      class="link message"
                      onClick={() => void openEvent(h.id)}
                      aria-label={`open event ${h.id}`}
                    >
                      {h.message ?? '(no message)'}
                      {h.truncated ? '…' : ''}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.hits.length === 0 && <p class="muted">No stored event matches.</p>}
          <nav class="pager" aria-label="Result pages">
            <button
              type="button"
              disabled={cursors.length === 0}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              ← Newer
            </button>
            <span class="muted">page {cursors.length + 1}</span>
            <button
              type="button"
              disabled={page.next === null}
              onClick={() => page.next !== null && setCursors([...cursors, page.next])}
            >
              Older →
            </button>
          </nav>
        </>
      )}
      {open !== undefined && (
        <section class="event" aria-labelledby="h-event" data-testid="event-detail">
          <h3 id="h-event">
            Stored event {open.id}{' '}
            <button type="button" onClick={() => setOpen(undefined)}>
              Close
            </button>
          </h3>
          {open.error !== undefined && <Banner kind="error">{open.error}</Banner>}
          {open.event !== undefined && (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
            <pre tabIndex={0}>{JSON.stringify(open.event, null, 2)}</pre>
          )}
        </section>
      )}
    </div>
  );
}
