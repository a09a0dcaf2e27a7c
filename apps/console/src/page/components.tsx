import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { exactTime, rate, relativeTime } from './format.js';
import { presentState } from './states.js';

export function StateBadge({ state }: { state: string }) {
  const p = presentState(state);
  return (
    <span class={`state tone-${p.tone}`} title={p.meaning} data-state={state}>
      <span aria-hidden="true">{p.symbol}</span> {p.word}
    </span>
  );
}

/** Relative times are kept fresh by one ticker for the whole page (no re-render). */
const TICK_MS = 1000;
const ticker: { timer?: ReturnType<typeof setInterval> } = {};
function tick(): void {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>('time[data-rel]')) {
    const text = relativeTime(el.dataset.rel ?? '', now);
    if (el.textContent !== text) el.textContent = text;
  }
}

/** "12 s ago", with the exact time on hover and for assistive technology. */
export function Time({ at }: { at: string | number | null | undefined }) {
  const ref = useRef<HTMLTimeElement>(null);
  const iso = at === null || at === undefined ? undefined : new Date(at).toISOString();
  useEffect(() => {
    ticker.timer ??= setInterval(tick, TICK_MS);
    if (ref.current !== null && iso !== undefined) ref.current.textContent = relativeTime(iso, Date.now());
  }, [iso]);
  if (iso === undefined) return <span>–</span>;
  return <time ref={ref} dateTime={iso} data-rel={iso} title={exactTime(iso)} />;
}

export function Banner({ kind, children }: { kind: 'error' | 'info' | 'ok'; children: ComponentChildren }) {
  return (
    <div class={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      <span aria-hidden="true">{kind === 'error' ? '✖ ' : kind === 'ok' ? '✔ ' : 'ℹ '}</span>
      {children}
    </div>
  );
}

/** A modal question with a native <dialog>: focus moves in, Escape cancels, Enter confirms. */
export function ConfirmDialog(props: {
  title: string;
  children: ComponentChildren;
  confirm: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div class="dialog-body">{props.children}</div>
        <div class="dialog-actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button type="submit" class={props.danger ? 'danger' : 'primary'} autofocus>
            {props.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/** A small line chart of events/s; the figures are in its text alternative and beside it. */
export function Sparkline({
  points,
  label,
}: {
  points: readonly { at: number; perSecond: number }[];
  label: string;
}) {
  const w = 160;
  const h = 32;
  if (points.length < 2) {
    return (
      <span class="muted">
        {points.length === 1 ? `${rate(points[0]?.perSecond ?? 0)}/s` : 'no data yet'}
      </span>
    );
  }
  const max = Math.max(1, ...points.map((p) => p.perSecond));
  const t0 = points[0]?.at ?? 0;
  const span = Math.max(1, (points.at(-1)?.at ?? 1) - t0);
  const d = points
    .map(
      (p, i) =>
        `${i === 0 ? 'M' : 'L'}${(((p.at - t0) / span) * w).toFixed(1)},${(h - (p.perSecond / max) * (h - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
  const last = points.at(-1)?.perSecond ?? 0;
  const minutes = Math.round(span / 60000);
  return (
    <span class="spark">
      <svg
        width={w}
        height={h}
        viewBox={`0 0 ${w} ${h}`}
        role="img"
        aria-label={`${label}: ${rate(last)} events/s now, at most ${rate(max)} over the last ${minutes || '<1'} min`}
      >
        <path d={d} fill="none" stroke="currentColor" stroke-width="1.5" />
      </svg>
      <span class="spark-now">{rate(last)}/s</span>
    </span>
  );
}
