/**
 * Runners' heartbeats as etcd sees them (the shape is live.ts's runnerHeartbeatSchema): plain
 * arithmetic without zod, so the console's page can import it (`@drover/cluster-state/heartbeat`).
 */

/** A runner's last keepalive (epoch ms), when etcd was asked (epoch ms), and its lease TTL (s). */
export interface Heartbeat {
  readonly at: number;
  readonly checkedAt: number;
  readonly ttl: number;
}

/**
 * The heartbeat a lease check reads (see runnerHeartbeatSchema): `remainingSeconds` and
 * `grantedSeconds` as etcd's LeaseTimeToLive answers them, at `checkedAt` (epoch ms).
 */
export function heartbeatOf(
  checkedAt: number,
  lease: { readonly remainingSeconds: number; readonly grantedSeconds: number },
): Heartbeat {
  const age = Math.max(0, lease.grantedSeconds - lease.remainingSeconds);
  return { at: checkedAt - age * 1000, checkedAt, ttl: lease.grantedSeconds };
}

/**
 * A heartbeat is late when, at the check, more than two thirds of the TTL had passed since the
 * last keepalive: runners send one every TTL/3 (libs/store/src/lease.ts), so two in a row did
 * not arrive, and the runner is at most a third of its TTL from being declared lost.
 */
export function heartbeatLate(h: Heartbeat): boolean {
  return h.checkedAt - h.at > (h.ttl * 1000 * 2) / 3;
}
