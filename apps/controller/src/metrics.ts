/** Prometheus metrics of one controller; gauges are read from the cache at scrape time. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterCache } from './cluster-cache.js';

export interface ControllerMetrics {
  readonly registry: Registry;
  readonly reconcileDuration: Histogram;
  readonly lastReconcile: Gauge;
  readonly reconcilePasses: Counter;
  readonly placementWrites: Counter;
  readonly failovers: Counter;
}

export function createMetrics(cache: ClusterCache, isLeader: () => boolean): ControllerMetrics {
  const registry = new Registry();
  // Process and Node.js runtime series (RSS, heap, event loop lag, GC), as operators expect.
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'drover_controller_leader',
    help: '1 when this controller is the leader',
    registers: [registry],
    collect() {
      this.set(isLeader() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'drover_controller_etcd_connected',
    help: '1 while the etcd watch is connected',
    registers: [registry],
    collect() {
      this.set(cache.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'drover_runners',
    help: 'Live runners (registered under a lease)',
    registers: [registry],
    collect() {
      this.set(cache.runners.size);
    },
  });
  new Gauge({
    name: 'drover_placements',
    help: 'Instances placed on runners',
    registers: [registry],
    collect() {
      this.set(cache.placements.size);
    },
  });
  new Gauge({
    name: 'drover_instances',
    help: 'Instances by state, as runners report them',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const s of cache.statuses.values()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
      let pending = 0;
      for (const p of cache.pending.values()) pending += p.instances.length;
      counts.set('pending', (counts.get('pending') ?? 0) + pending);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  return {
    registry,
    reconcileDuration: new Histogram({
      name: 'drover_reconcile_duration_seconds',
      help: 'Duration of a reconcile pass (plan and writes)',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    lastReconcile: new Gauge({
      name: 'drover_reconcile_last_duration_seconds',
      help: 'Duration of the last reconcile pass',
      registers: [registry],
    }),
    reconcilePasses: new Counter({
      name: 'drover_reconcile_passes_total',
      help: 'Reconcile passes completed by this controller as leader',
      registers: [registry],
    }),
    placementWrites: new Counter({
      name: 'drover_placement_writes_total',
      help: 'Placement and pending keys written or deleted by this controller as leader',
      registers: [registry],
    }),
    failovers: new Counter({
      name: 'drover_leadership_acquired_total',
      help: 'Times this controller became leader',
      registers: [registry],
    }),
  };
}
