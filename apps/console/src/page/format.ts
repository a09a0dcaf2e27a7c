/** How times, durations and sizes read on the page. Pure: `now` is always given. */

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 12 s" for the future. */
export function relativeTime(iso: string | number, now: number): string {
  const t = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(t)) return String(iso);
  const diff = now - t;
  const future = diff < 0;
  const s = Math.round(Math.abs(diff) / 1000);
  let text: string;
  if (s < 1) return 'just now';
  if (s < 60) text = `${s} s`;
  else if (s < 3600) text = `${Math.floor(s / 60)} min`;
  else if (s < 86400) text = `${Math.floor(s / 3600)} h`;
  else text = `${Math.floor(s / 86400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** The exact time, for hover: local time with its offset, then UTC. */
export function exactTime(iso: string | number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const local = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)} ${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${local} (${d.toISOString()})`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

/** 1234567 -> "1,234,567". */
export function count(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  return Math.round(n).toLocaleString('en-US');
}

/** Events per second, to three significant digits at most. */
export function rate(n: number): string {
  if (n === 0) return '0';
  if (n < 10) return n.toFixed(1);
  return Math.round(n).toLocaleString('en-US');
}

/** How an instance last exited, in words. */
export function lastExitText(
  e: { code: number | null; signal: string | null; reason: string; at: string; message?: string } | null,
): string {
  if (e === null) return '–';
  const how =
    e.reason === 'oom'
      ? 'killed for memory'
      : e.signal !== null
        ? `signal ${e.signal}`
        : e.code !== null
          ? `exit ${e.code}`
          : e.reason;
  return e.message === undefined ? how : `${how}: ${e.message}`;
}
