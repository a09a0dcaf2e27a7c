/**
 * Restart backoff, in the spirit of Kubernetes' CrashLoopBackOff: the first restart waits
 * `initialMs`, each further consecutive one twice as long, capped at `maxMs`; a child that stayed
 * up `resetAfterMs` starts again from `initialMs`. Pure: the supervisor feeds it times.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly resetAfterMs: number;
  /** Give up (state `failed`) after this many restarts; undefined = never. */
  readonly maxRestarts: number | undefined;
}

export const defaultBackoff: BackoffPolicy = {
  initialMs: 1000,
  maxMs: 60_000,
  resetAfterMs: 120_000,
  maxRestarts: undefined,
};

/** Delay before the restart that follows `consecutive` earlier quick failures (0 = first). */
export function restartDelay(policy: BackoffPolicy, consecutive: number): number {
  const exp = Math.min(consecutive, 30);
  return Math.min(policy.initialMs * 2 ** exp, policy.maxMs);
}

/** Consecutive-failure count after a child that ran `upMs` exited. */
export function nextConsecutive(policy: BackoffPolicy, consecutive: number, upMs: number): number {
  return upMs >= policy.resetAfterMs ? 0 : consecutive + 1;
}
