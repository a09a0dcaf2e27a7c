/**
 * The web console's live stream, measured with real Chromium pages (playwright-core) on a real
 * controller over simulated runners (records in etcd):
 *
 * - latency from a status change written to etcd to its text on an open overview page, with 1
 *   and with 50 overview streams open (median and p99 over every sighting of every change);
 * - the controller's RSS and CPU with 10,000 instances on 1,000 runners, with no client and with
 *   50 overview streams open, idle and while 100 statuses change per second (the no-client run
 *   is the anchor: the same machine, the same run).
 *
 * "50 pages" is one real Chromium page plus 49 readers of the same stream (GET /v1/events, read
 * as the page's EventSource does, the marker's arrival timed): 50 Chromium tabs rendering 1,000
 * to 10,000 instances each do not load on the shared 2-core machine, and the controller's side
 * (what these rows measure) is the same stream whoever reads it. The page's own sightings are
 * also reported apart.
 *
 * Page and bench share the machine's clock (Date.now in both). The machine is shared: compare
 * rows of one run.
 */
import { readFileSync } from 'node:fs';
import type { PlacementRecord } from '@drover/cluster-state';
import { connectStore, type LeaseHandle, type Store } from '@drover/store';
import { acquireServices } from '../support/acquire.js';
import { type Browser, launchChromium, type Page } from '../support/browser.js';
import { eventually, fetchJson, TestCluster } from '../support/cluster.js';
import {
  placements,
  reportStatuses,
  simulateChannels,
  simulateRunners,
  statusOf,
} from '../support/simulated.js';
import { type BenchContext, type BenchRow, median, percentile } from './harness.js';

export const name = 'console';

const MB = 1024 * 1024;
const CLOCK_TICKS = 100; // USER_HZ on Linux

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function platform(etcd: string[], runners: number, channels: number, apps: number, instances: number) {
  const cluster = new TestCluster({ etcd });
  const store = connectStore({ endpoints: etcd, prefix: cluster.prefix });
  const lease = await store.grantLease(120);
  await simulateRunners(store, lease, runners);
  await simulateChannels(store, 'bench', channels, apps, instances);
  const controller = await cluster.startController('console-bench');
  const total = channels * apps * instances;
  await eventually(
    async () =>
      new RegExp(`^drover_placements ${total}$`, 'm').test(
        String((await fetchJson(`${controller.api}/metrics`)).body),
      ),
    180_000,
    `${total} placed`,
  );
  const placed = await placements(store);
  await reportStatuses(store, lease, placed);
  return { cluster, store, lease, controller, placed };
}

async function teardown(p: { cluster: TestCluster; store: Store; lease: LeaseHandle }): Promise<void> {
  await p.cluster.stop();
  await p.lease.revoke().catch(() => {});
  await p.store.deletePrefix(p.store.layout.root).catch(() => {});
  p.store.close();
}

/** Opens `count` overview pages that each record when a marker text first appears in a reason. */
async function openPages(browser: Browser, url: string, count: number, expectTotal: number): Promise<Page[]> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const pages: Page[] = [];
  for (let i = 0; i < count; i++) {
    const page = await context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as { seen: Record<string, number> };
      w.seen = {};
      new MutationObserver(() => {
        for (const el of document.querySelectorAll('td.reason')) {
          const m = /bench-marker-(\d+)/.exec(el.textContent ?? '');
          if (m !== null && w.seen[m[1] as string] === undefined) w.seen[m[1] as string] = Date.now();
        }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 120_000 });
    pages.push(page);
  }
  for (const page of pages) {
    await page.waitForFunction(
      (n) =>
        new RegExp(`running\\s+${n}`).test(
          document.querySelector('[data-testid=instance-totals]')?.textContent ?? '',
        ),
      expectTotal,
      { timeout: 300_000 },
    );
  }
  return pages;
}

/** Readers of the overview stream, as many as `count`, each noting when a marker first arrives. */
interface StreamReaders {
  seen(marker: string): number[];
  close(): void;
}

async function openStreams(api: string, count: number): Promise<StreamReaders> {
  const abort = new AbortController();
  const seen: Map<string, number>[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const mine = new Map<string, number>();
      seen[i] = mine;
      const res = await fetch(`${api}/v1/events`, { signal: abort.signal });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      void (async () => {
        let tail = '';
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            const text = tail + decoder.decode(value, { stream: true });
            const now = Date.now();
            for (const m of text.matchAll(/bench-marker-(\d+)/g))
              if (!mine.has(m[1] as string)) mine.set(m[1] as string, now);
            tail = text.slice(-64);
          }
        } catch {
          // aborted
        }
      })();
    }),
  );
  return {
    seen: (marker) => seen.map((m) => m.get(marker) ?? Number.NaN),
    close: () => abort.abort(),
  };
}

async function latency(
  store: Store,
  lease: LeaseHandle,
  target: PlacementRecord,
  pages: readonly Page[],
  samples: number,
  streams?: StreamReaders,
): Promise<{ all: number[]; pages: number[] }> {
  const out: number[] = [];
  const onPages: number[] = [];
  for (let k = 0; k < samples; k++) {
    const marker = `${Date.now()}${k}`;
    const t0 = Date.now();
    await store.put(
      store.layout.status(target),
      statusOf(target, { state: 'backoff', reason: `exited with code 1 bench-marker-${marker}` }),
      { lease: lease.id },
    );
    for (const page of pages) {
      const seen = await page.waitForFunction(
        (m) => (window as unknown as { seen: Record<string, number> }).seen[m],
        marker,
        {
          timeout: 30_000,
        },
      );
      const ms = ((await seen.jsonValue()) as number) - t0;
      out.push(ms);
      onPages.push(ms);
    }
    if (streams !== undefined) {
      const deadline = Date.now() + 30_000;
      while (streams.seen(marker).some(Number.isNaN) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const at of streams.seen(marker)) out.push(at - t0);
    }
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 100));
  }
  // Back to running, so the next pages see every instance running.
  await store.put(store.layout.status(target), statusOf(target), { lease: lease.id });
  return { all: out, pages: onPages };
}

async function latencyRows(etcd: string[], browser: Browser, ctx: BenchContext): Promise<BenchRow[]> {
  const p = await platform(etcd, 100, 10, 10, 10);
  const rows: BenchRow[] = [];
  try {
    const target = p.placed[0] as PlacementRecord;
    for (const count of [1, 50]) {
      const pages = await openPages(browser, `${p.controller.api}/`, 1, 1000);
      const streams = count > 1 ? await openStreams(p.controller.api, count - 1) : undefined;
      const { all: ms, pages: onPage } = await latency(
        p.store,
        p.lease,
        target,
        pages,
        count === 1 ? 60 : 20,
        streams,
      );
      streams?.close();
      const missed = ms.filter(Number.isNaN).length;
      const got = ms.filter((v) => !Number.isNaN(v));
      ctx.log(
        `  console latency, ${count} client(s): median ${median(got)} ms, p99 ${percentile(got, 99)} ms over ${got.length} sightings (${missed} missed); the page alone: median ${median(onPage)} ms, p99 ${percentile(onPage, 99)} ms`,
      );
      rows.push({
        case: `etcd status change to an open overview, ${count === 1 ? '1 page' : '50 clients (1 page + 49 streams)'} (1,000 instances)`,
        metric: 'median',
        value: median(got),
        unit: `ms (p99 ${percentile(got, 99)})`,
        goal: '< 1000',
        extra: {
          p99: percentile(got, 99),
          sightings: got.length,
          missed,
          pageMedian: median(onPage),
          pageP99: percentile(onPage, 99),
        },
      });
      await pages[0]?.context().close();
    }
  } finally {
    await teardown(p);
  }
  return rows;
}

async function measure(
  pid: number,
  seconds: number,
  churn?: () => Promise<void>,
): Promise<{ cpu: number; rss: number }> {
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  let rss = rssBytes(pid);
  while (Date.now() - t0 < seconds * 1000) {
    if (churn !== undefined) await churn();
    else await new Promise((r) => setTimeout(r, 100));
    rss = Math.max(rss, rssBytes(pid));
  }
  const wall = (Date.now() - t0) / 1000;
  return { cpu: ((cpuSeconds(pid) - cpu0) / wall) * 100, rss };
}

async function resourceRows(etcd: string[], browser: Browser, ctx: BenchContext): Promise<BenchRow[]> {
  // 1,000 runners; 100 channels x 20 applications x 5 instances.
  const p = await platform(etcd, 1000, 100, 20, 5);
  const rows: BenchRow[] = [];
  try {
    const pid = p.controller.proc.pid;
    let n = 0;
    // 10 status changes every 100 ms: 100 a second, spread over the instances.
    const churn = async () => {
      const batch = Array.from(
        { length: 10 },
        () => p.placed[(n++ * 7919) % p.placed.length] as PlacementRecord,
      );
      await Promise.all(
        batch.map((pl) =>
          p.store.put(p.store.layout.status(pl), statusOf(pl, { restarts: n }), { lease: p.lease.id }),
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
    };
    const SECONDS = 20;
    const quiet0 = await measure(pid, SECONDS);
    const busy0 = await measure(pid, SECONDS, churn);
    const pages = await openPages(browser, `${p.controller.api}/`, 1, 10_000);
    const streams = await openStreams(p.controller.api, 49);
    const quiet50 = await measure(pid, SECONDS);
    const busy50 = await measure(pid, SECONDS, churn);
    streams.close();
    await pages[0]?.context().close();
    ctx.log(
      `  console resources: no client quiet ${quiet0.cpu.toFixed(1)}% ${(quiet0.rss / MB).toFixed(0)} MB, churn ${busy0.cpu.toFixed(1)}% ${(busy0.rss / MB).toFixed(0)} MB;  50 clients quiet ${quiet50.cpu.toFixed(1)}% ${(quiet50.rss / MB).toFixed(0)} MB, churn ${busy50.cpu.toFixed(1)}% ${(busy50.rss / MB).toFixed(0)} MB`,
    );
    const row = (what: string, m: { cpu: number; rss: number }, goal?: string): BenchRow[] => [
      {
        case: `controller, 10,000 instances / 1,000 runners, ${what}`,
        metric: 'RSS',
        value: +(m.rss / MB).toFixed(1),
        unit: 'MB',
        ...(goal ? { goal } : {}),
      },
      {
        case: `controller, 10,000 instances / 1,000 runners, ${what}`,
        metric: 'CPU',
        value: +m.cpu.toFixed(1),
        unit: '% of a core',
      },
    ];
    rows.push(
      ...row('no client, quiet (anchor)', quiet0),
      ...row('no client, 100 status changes/s (anchor)', busy0),
      ...row('50 clients (1 page + 49 streams), quiet', quiet50),
      ...row('50 clients (1 page + 49 streams), 100 status changes/s', busy50),
    );
  } finally {
    await teardown(p);
  }
  return rows;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const { services, release } = await acquireServices(['etcd']);
  const browser = await launchChromium();
  try {
    const etcd = services.etcd?.endpoints ?? [];
    return [...(await latencyRows(etcd, browser, ctx)), ...(await resourceRows(etcd, browser, ctx))];
  } finally {
    await browser.close();
    await release();
  }
}
