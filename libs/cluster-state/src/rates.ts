/**
 * Events per second from counter samples. Pure and free of zod, so the web console bundles it
 * (import '@drover/cluster-state/rates').
 */
export interface CounterSample {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly in: number;
  readonly acked: number;
  readonly failed: number;
}

/**
 * Events per second between consecutive samples (one point per interval, at the later sample's
 * time). A counter that went down (the pipeline restarted) starts over from zero.
 */
export function ratesOf(
  samples: readonly CounterSample[],
  field: 'in' | 'acked' | 'failed',
): { at: number; perSecond: number }[] {
  const out: { at: number; perSecond: number }[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1] as CounterSample;
    const b = samples[i] as CounterSample;
    const seconds = (b.at - a.at) / 1000;
    if (seconds <= 0) continue;
    const delta = b[field] >= a[field] ? b[field] - a[field] : b[field];
    out.push({ at: b.at, perSecond: delta / seconds });
  }
  return out;
}
