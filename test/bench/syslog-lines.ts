/**
 * Benchmark input: ~300-byte nginx access lines in syslog, deterministic, with pseudo-random ids
 * in them so they compress like real lines (not like padding).
 */

/** Line `i` of a deterministic sequence; each generator has its own state. */
export function syslogLines(seed = 42): (i: number) => string {
  let state = seed;
  const hex = (n: number): string => {
    let out = '';
    while (out.length < n) {
      state = (state * 1103515245 + 12345) >>> 0;
      out += state.toString(16).padStart(8, '0');
    }
    return out.slice(0, n);
  };
  return (i) => {
    const base = `<134>Nov 23 05:00:${String(i % 60).padStart(2, '0')} front-web-${i % 17} nginx[${1000 + (i % 97)}]: 10.0.${i % 255}.${(i * 7) % 255} - - [23/Nov/2026:05:00:00 +0000] "GET /api/v1/items/${hex(12)} HTTP/1.1" 200 ${512 + (i % 4096)} "-" "Mozilla/5.0 (X11; Linux x86_64)" req=${hex(32)}`;
    return `${base} trace=${hex(Math.max(8, 300 - base.length - 7))}`;
  };
}
