/**
 * The overview with 1,000 instances on 100 simulated runners (records in etcd, as the
 * control-plane bench does; the controller is a real process that places them), in Chromium,
 * while statuses churn. "Responsive" is asserted by what can be observed, not by a clock: the
 * page converges to exactly what etcd holds after every burst, and keyboard navigation to a
 * channel and back works during a burst. Long tasks on the page's main thread are reported.
 */
import type { PlacementRecord } from '@drover/cluster-state';
import { connectStore, type LeaseHandle, type Store } from '@drover/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, type Page, screenshot } from '../support/browser.js';
import { eventually, fetchJson, TestCluster } from '../support/cluster.js';
import { droverServices } from '../support/services.js';
import { placements, reportStatuses, simulateChannels, simulateRunners } from '../support/simulated.js';

let cluster: TestCluster;
let store: Store;
let lease: LeaseHandle;
let browser: Browser;
let page: Page;
let placed: PlacementRecord[] = [];

const totals = async (): Promise<string> => page.locator('[data-testid=instance-totals]').innerText();

beforeAll(async () => {
  const { etcd } = droverServices('etcd');
  cluster = new TestCluster({ etcd: etcd.endpoints });
  store = connectStore({ endpoints: etcd.endpoints, prefix: cluster.prefix });
  lease = await store.grantLease(60);
  await simulateRunners(store, lease, 100);
  // 10 channels x 10 applications x 10 instances.
  await simulateChannels(store, 'scale', 10, 10, 10);
  const controller = await cluster.startController('scale-controller');
  await eventually(
    async () => {
      const m = await fetchJson(`${controller.api}/metrics`);
      return /^drover_placements 1000$/m.test(String(m.body));
    },
    60_000,
    '1,000 placed',
  );
  placed = await placements(store);
  expect(placed).toHaveLength(1000);
  await reportStatuses(store, lease, placed);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  await lease?.revoke().catch(() => {});
  await store?.deletePrefix(store.layout.root).catch(() => {});
  store?.close();
});

describe('the console overview at 1,000 instances on 100 runners', () => {
  it('shows them all and keeps up with bursts of status changes, keyboard usable throughout', async () => {
    await page.goto(`${cluster.controllers[0]?.api}/`);
    await expect.poll(totals, { timeout: 30_000 }).toMatch(/running\s+1000/);
    expect(await page.locator('tr[data-runner]').count()).toBe(100);
    expect(await page.locator('tr[data-channel]').count()).toBe(10);

    // Bursts: 200 instances to backoff with a reason, then back; the last burst while the
    // keyboard moves to a channel and back.
    for (let round = 0; round < 3; round++) {
      const hit = placed.filter((_, i) => (i + round) % 5 === 0);
      await reportStatuses(store, lease, hit, () => ({
        state: 'backoff',
        reason: `exited with code 1; restarting in ${round + 1} s`,
        restarts: round + 1,
      }));
      await expect.poll(totals, { timeout: 60_000 }).toMatch(/backoff\s+200[\s\S]*running\s+800/);
      if (round === 0) await screenshot(page, 'overview-1000');
      const back = reportStatuses(store, lease, hit);
      if (round === 2) {
        // The channels table's link: the first one on the page is in the attention table, whose
        // row goes away (and the focus with it) as the instances come back to running.
        const link = page.locator('[data-testid=channels] a', { hasText: 'scale/ch003' });
        await link.focus();
        await page.keyboard.press('Enter');
        await page.locator('tr[data-instance="app9/9"]').waitFor({ timeout: 60_000 });
        await page.goBack();
      }
      await back;
      await expect.poll(totals, { timeout: 60_000 }).toMatch(/running\s+1000/);
    }
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    process.stderr.write(
      `console at 1,000 instances: ${longTasks.length} long tasks, longest ${Math.round(Math.max(0, ...longTasks))} ms\n`,
    );
  }, 300_000);
});
