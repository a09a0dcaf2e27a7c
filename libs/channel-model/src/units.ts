const MEMORY_UNITS: Record<string, number> = {
  '': 1,
  K: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
  T: 1000 ** 4,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

/**
 * Kubernetes-style memory quantities: `512Mi`, `1Gi`, `500M`, or plain bytes (`100000`).
 * Returns bytes, or an error message naming the accepted units.
 */
export function parseMemory(input: string | number): { bytes: number } | { error: string } {
  const text = String(input).trim();
  const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(text);
  const unit = match?.[2] ?? '';
  const factor = MEMORY_UNITS[unit];
  if (match === null || factor === undefined) {
    return {
      error: `invalid memory quantity "${text}": expected a number with an optional unit (Ki, Mi, Gi, Ti, K, M, G, T), e.g. 256Mi`,
    };
  }
  const bytes = Math.round(Number(match[1]) * factor);
  if (bytes <= 0) return { error: `invalid memory quantity "${text}": must be greater than 0` };
  return { bytes };
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Durations like `500ms`, `1s`, `2m`, `1h`, `1m30s` or `365d` (a day is 24 h). Returns milliseconds. */
export function parseDuration(input: string | number): { ms: number } | { error: string } {
  const text = String(input).trim();
  const bad = {
    error: `invalid duration "${text}": expected a number with a unit (ms, s, m, h, d), e.g. 1s, 2m, 1m30s, 7d`,
  };
  if (!/^([0-9]+(?:\.[0-9]+)?(ms|s|m|h|d))+$/.test(text)) return bad;
  let ms = 0;
  for (const part of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g)) {
    ms += Number(part[1]) * (DURATION_UNITS[part[2] as string] as number);
  }
  return { ms: Math.round(ms) };
}
