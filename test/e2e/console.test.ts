/**
 * The web console in a real browser (Debian's headless Chromium, driven by playwright-core) on
 * the demo topology: two controllers, the two front runners, the shipped receiver pair running
 * real punchlinectl pipelines into Kafka, and a PostgreSQL log table filled by postgresql_output
 * (from servicesSetup). Everything the page shows comes from the live stream and the API of a
 * real controller; every view is saved as a screenshot in test/artifacts/console/.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts } from '@drover/dev-services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, launchChromium, type Page, screenshot } from '../support/browser.js';
import { type Controller, repoRoot, TestCluster } from '../support/cluster.js';
import { storeEvents } from '../support/log-store.js';
import { droverServices } from '../support/services.js';

const TOKEN = 'console-e2e-token';
/** The test's own log table (the processor e2e and the demo write `logs`). */
const LOG_TABLE = 'console_e2e_logs';
/** An event as the processor channel's normalize hands it to postgresql_output. */
const STORED = {
  _ppf_id: 'e2e-stored-0001',
  _ppf_timestamp: Date.parse('2026-11-02T10:15:00.250Z'),
  timestamp: '2026-11-02T10:15:00.000Z',
  host: 'web-frontal-7',
  program: 'sshd',
  severity: 3,
  facility: 10,
  device_type: 'linux',
  message: 'Failed password for invalid user orchestrator-canary from 10.1.2.3 port 4242 ssh2',
  vendor: 'openssh',
  src_ip: '10.1.2.3',
};

let cluster: TestCluster;
let browser: Browser;
let page: Page;
let channelsDir: string;
const shots: Record<string, string> = {};

/** The shipped receiver channel, both receivers on this host on free loopback ports. */
function receiverChannel(dir: string, ports: readonly [number, number]): void {
  const target = join(dir, 'reftenant', 'receiver');
  cpSync(join(repoRoot, 'channels', 'reftenant', 'receiver'), target, { recursive: true });
  const shipped = readFileSync(join(target, 'logs_receiver.yaml'), 'utf8');
  const listen = 'host: 0.0.0.0\n        port: 2002';
  if (!shipped.includes(listen)) throw new Error(`logs_receiver.yaml no longer listens on "${listen}"`);
  const on = (port: number) => shipped.replace(listen, `host: 127.0.0.1\n        port: ${port}`);
  writeFileSync(join(target, 'logs_receiver.yaml'), on(ports[0]));
  writeFileSync(join(target, 'logs_receiver2.yaml'), on(ports[1]));
  const structure = join(target, 'channel_structure.yaml');
  const text = readFileSync(structure, 'utf8');
  const second = text.replace(
    /(name: central_receiver2[\s\S]*?)logs_receiver\.yaml/,
    '$1logs_receiver2.yaml',
  );
  if (second === text) throw new Error('central_receiver2 no longer runs logs_receiver.yaml');
  writeFileSync(structure, second);
}

const row = (app: string, index = 0) => page.locator(`tr[data-instance="${app}/${index}"]`);
const stateOf = async (app: string) => row(app).locator('[data-state]').first().getAttribute('data-state');

async function waitState(app: string, state: string, timeoutMs = 30_000): Promise<void> {
  await page
    .locator(`tr[data-instance="${app}/0"] [data-state="${state}"]`)
    .first()
    .waitFor({ timeout: timeoutMs });
}

beforeAll(async () => {
  const { etcd, kafka, postgres } = droverServices('etcd', 'kafka', 'postgres');
  await storeEvents(postgres.url, LOG_TABLE, [
    STORED,
    ...Array.from({ length: 60 }, (_, i) => {
      const ts = Date.parse(STORED.timestamp) - (i + 1) * 60_000;
      return {
        _ppf_id: `e2e-filler-${String(i).padStart(4, '0')}`,
        _ppf_timestamp: ts + 250,
        timestamp: new Date(ts).toISOString(),
        host: 'web-frontal-7',
        program: 'sshd',
        severity: 6,
        facility: 4,
        device_type: 'linux',
        message: `Accepted publickey for deploy from 10.1.2.${i} port ${40000 + i} ssh2`,
        n: i,
      };
    }),
  ]);
  cluster = new TestCluster({
    etcd: etcd.endpoints,
    kafka: kafka.brokers,
    electionTtl: 2,
    leaseTtl: 2,
    token: TOKEN,
    env: {
      // What runners pass on to their pipelines: punchlinectl on the PATH, Kafka by name.
      PATH: `${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      DROVER_KAFKA_CLUSTERS: `kafka_front=${kafka.brokers.join(',')}`,
    },
    controllerArgs: ['--log-store-url', postgres.url, '--log-store-table', `public.${LOG_TABLE}`],
  });
  channelsDir = join(cluster.dir, 'channels');
  receiverChannel(channelsDir, (await freePorts(2)) as [number, number]);
  await cluster.startController('controller-a');
  await cluster.startController('controller-b');
  for (const [name, tag] of [
    ['front1', 'centralfront1'],
    ['front2', 'centralfront2'],
  ] as const) {
    await cluster.startRunner(name, [tag, 'front'], { allow: ['punchlinectl'] });
  }
  const started = await cluster.channelctl([
    '--channels-dir',
    channelsDir,
    'start',
    'reftenant/receiver',
    '--wait',
    '--timeout',
    '90',
  ]);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
});

afterAll(async () => {
  await browser?.close();
  await cluster?.stop();
  if (Object.keys(shots).length > 0) {
    process.stderr.write(
      `console screenshots:\n${Object.entries(shots)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}\n`,
    );
  }
});

const api = (c?: Controller) => (c ?? cluster.controllers[0])?.api ?? '';

describe('the web console in Chromium (real controllers, runners, pipelines, etcd, Kafka, PostgreSQL)', () => {
  it('overview: the receiver channel with both receivers running, the runners, topics and the leader', async () => {
    await page.goto(`${api()}/`);
    const channelRow = page.locator('tr[data-channel="reftenant/receiver"]');
    await channelRow.waitFor();
    await expect.poll(() => channelRow.innerText()).toContain('2 running');
    await expect.poll(() => page.locator('[data-testid=attention-none]').count()).toBe(1);
    expect(await page.locator('tr[data-runner=front1]').innerText()).toContain('centralfront1');
    expect(await page.locator('tr[data-runner=front2]').innerText()).toContain('centralfront2');
    // Each runner's last keepalive, as etcd's lease says: its age at the check, not late.
    for (const runner of ['front1', 'front2']) {
      const beat = page.locator(`tr[data-runner=${runner}] [data-testid=heartbeat] [data-heartbeat]`);
      await beat.waitFor();
      expect(await beat.getAttribute('data-heartbeat')).toBe('ok');
      expect(await beat.innerText()).toMatch(/^\d+ s · checked (just now|\d+ s ago)$/);
      expect(await beat.getAttribute('title')).toMatch(/lease TTL \d+ s/);
    }
    expect(await page.locator('[data-testid=topics]').innerText()).toContain('reftenant-receiver-linux-os');
    await expect.poll(() => page.locator('[data-testid=leader]').innerText()).toMatch(/controller-[ab]/);
    expect(await page.locator('[data-testid=link]').getAttribute('data-link')).toBe('live');
    shots.overview = await screenshot(page, 'overview');
  });

  it('channel: instances with runner, pid, memory, and each pipeline counters with events/s', async () => {
    await page.locator('a', { hasText: 'reftenant/receiver' }).first().click();
    await waitState('central_receiver1', 'running');
    await waitState('central_receiver2', 'running');
    expect(await row('central_receiver1').innerText()).toContain('front1');
    // Live RSS against the limit, from the runner.
    await expect
      .poll(() => row('central_receiver1').innerText(), { timeout: 15_000 })
      .toMatch(/\d+(\.\d)? MiB \/ 256 MiB/);
    // Counters come from the pipeline itself, through its runner and the controller.
    const counters = page.locator('[data-testid="counters-central_receiver1-0"]');
    await counters.waitFor({ timeout: 20_000 });
    expect(await counters.innerText()).toContain('lumberjack_input_logs');
    expect(await counters.locator('tr[data-component] td').first().innerText()).toMatch(
      /input|processing|output/,
    );
    shots.channel = await screenshot(page, 'channel');
  });

  it('instance logs: tail and follow through the log proxy', async () => {
    await row('central_receiver1').locator('a', { hasText: 'logs' }).click();
    const lines = page.locator('[data-testid=log-lines] .log-line');
    await expect.poll(() => lines.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=log-lines]').innerText()).toMatch(
      /pipeline running|metrics listening/,
    );
    expect(await page.locator('[data-testid=logs-status]').innerText()).toContain('following');
    shots.logs = await screenshot(page, 'logs');
  });

  it('a front runner SIGKILLed: its receiver pending with the reason naming the tag; back to running when it returns', async () => {
    await page.goto(`${api()}/#/`);
    await page.locator('tr[data-channel="reftenant/receiver"]').waitFor();
    const front1 = cluster.runner('front1');
    await front1.proc.kill('SIGKILL');
    const attention = page.locator('tr[data-instance="reftenant/receiver/central_receiver1/0"]');
    await attention.waitFor({ timeout: 30_000 });
    await expect.poll(() => attention.innerText(), { timeout: 30_000 }).toMatch(/pending/);
    expect(await attention.locator('.reason').innerText()).toContain(
      'no live runner in cluster shiva_front with tags [centralfront1]',
    );
    expect(await page.locator('tr[data-runner=front1] [data-state=lost]').count()).toBe(1);
    expect(await page.locator('tr[data-channel="reftenant/receiver"]').innerText()).toContain(
      '1 pending, 1 running',
    );
    shots['overview-pending'] = await screenshot(page, 'overview-pending');

    await cluster.startRunner('front1', front1.tags, { allow: ['punchlinectl'] });
    await page.locator('[data-testid=attention-none]').waitFor({ timeout: 60_000 });
    await expect
      .poll(() => page.locator('tr[data-channel="reftenant/receiver"]').innerText())
      .toContain('2 running');
    expect(await page.locator('tr[data-runner=front1] [data-state=live]').count()).toBe(1);
  });

  it('reload without the token is refused, plainly', async () => {
    // Reads from loopback need no token; mutations do.
    await page.goto(`${api()}/#/channel/reftenant/receiver`);
    await waitState('central_receiver1', 'running');
    await page.locator('button[data-action=reload]').click();
    const dialog = page.locator('dialog[open]');
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Reload reftenant/receiver?');
    await dialog.locator('button[type=submit]').click();
    const outcome = page.locator('[data-testid=action-outcome]');
    await outcome.waitFor();
    expect(await outcome.innerText()).toMatch(/Refused \(401\).*needs the API token/s);
    shots.refused = await screenshot(page, 'refused');
  });

  it('reload with the token (entered once, kept in an HttpOnly cookie): every receiver restarts', async () => {
    const pids = async () =>
      Promise.all(
        ['central_receiver1', 'central_receiver2'].map((a) => row(a).locator('td').nth(3).innerText()),
      );
    const before = await pids();
    await page.locator('button', { hasText: 'Enter token' }).first().click();
    const dialog = page.locator('dialog[open]');
    await dialog.locator('input[name=token]').fill('not-the-token');
    await dialog.locator('button[type=submit]').click();
    await expect.poll(() => dialog.innerText()).toContain('wrong token');
    await dialog.locator('input[name=token]').fill(TOKEN);
    await dialog.locator('button[type=submit]').click();
    await page.locator('button', { hasText: 'Forget token' }).waitFor();
    // The session is a cookie scripts cannot read.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'drover_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });

    await page.locator('button[data-action=reload]').click();
    await page.locator('dialog[open] button[type=submit]').click();
    await expect.poll(() => page.locator('[data-testid=action-outcome]').innerText()).toContain('accepted');
    // Each receiver is killed and started again: new processes, running.
    await expect
      .poll(async () => (await pids()).every((pid, i) => pid !== before[i] && /^\d+$/.test(pid)), {
        timeout: 60_000,
      })
      .toBe(true);
    await waitState('central_receiver1', 'running', 60_000);
    await waitState('central_receiver2', 'running', 60_000);

    // A receiver that dies is restarted by its runner: its restart count moves on the page.
    const pid = Number(await row('central_receiver2').locator('td').nth(3).innerText());
    const restarts = Number(await row('central_receiver2').locator('[data-field=restarts]').innerText());
    process.kill(pid, 'SIGKILL');
    await expect
      .poll(async () => Number(await row('central_receiver2').locator('[data-field=restarts]').innerText()), {
        timeout: 30_000,
      })
      .toBe(restarts + 1);
    await waitState('central_receiver2', 'running');
    shots['channel-after-reload'] = await screenshot(page, 'channel-after-reload');
  });

  it('log search: a stored message found by its words, opened whole; pages of older results', async () => {
    await page.goto(`${api()}/#/search`);
    await page.locator('input[name=q]').fill('orchestrator-canary');
    await page.locator('input[name=host]').fill('web-frontal-7');
    await page.locator('.search-form button[type=submit]').click();
    const results = page.locator('[data-testid=search-results] tbody tr');
    await expect.poll(() => results.count()).toBe(1);
    expect(await results.first().innerText()).toContain(
      'Failed password for invalid user orchestrator-canary',
    );
    await results.first().locator('button.message').click();
    const detail = page.locator('[data-testid=event-detail] pre');
    await detail.waitFor();
    const event = JSON.parse(await detail.innerText()) as Record<string, unknown>;
    // Every column postgresql_output wrote, the event's other fields in `fields`.
    expect(event).toMatchObject({
      _ppf_id: STORED._ppf_id,
      host: STORED.host,
      program: STORED.program,
      severity: STORED.severity,
      facility: STORED.facility,
      device_type: STORED.device_type,
      message: STORED.message,
      fields: { vendor: 'openssh', src_ip: '10.1.2.3' },
    });
    expect(Date.parse(event.ts as string)).toBe(Date.parse(STORED.timestamp));
    expect(Date.parse(event.received_at as string)).toBe(STORED._ppf_timestamp);
    expect(event).not.toHaveProperty('message_tsv');
    shots.search = await screenshot(page, 'search');

    // Everything on that host: 61 events, 50 a page, newest first.
    await page.locator('input[name=q]').fill('');
    await page.locator('.search-form button[type=submit]').click();
    await expect.poll(() => results.count()).toBe(50);
    expect(await results.first().getAttribute('data-id')).toBe(STORED._ppf_id);
    await page.locator('button', { hasText: 'Older' }).click();
    await expect.poll(() => results.count()).toBe(11);
    expect(await page.locator('button', { hasText: 'Older' }).isDisabled()).toBe(true);
    await page.locator('button', { hasText: 'Newer' }).click();
    await expect.poll(() => results.first().getAttribute('data-id')).toBe(STORED._ppf_id);
  });

  it('the live stream resumes after the controller serving the page restarts, and shows the new leader', async () => {
    await page.goto(`${api()}/#/`);
    await page.locator('tr[data-channel="reftenant/receiver"]').waitFor();
    const a = cluster.controllers[0] as Controller;
    const leaderBefore = await page.locator('[data-testid=leader]').innerText();
    await a.proc.kill('SIGKILL');
    await page.locator('[data-testid=link][data-link=reconnecting]').waitFor({ timeout: 15_000 });
    shots['overview-reconnecting'] = await screenshot(page, 'overview-reconnecting');
    // controller-b leads once controller-a's lease is gone (if a led); a comes back on its port.
    await cluster.startController('controller-a', a.port);
    await page.locator('[data-testid=link][data-link=live]').waitFor({ timeout: 30_000 });
    await expect
      .poll(() => page.locator('[data-testid=leader]').innerText(), { timeout: 30_000 })
      .toContain('controller-b');
    if (leaderBefore.includes('controller-a'))
      expect(await page.locator('[data-testid=leader]').innerText()).not.toBe(leaderBefore);
    // Still live: a change in etcd shows without a reload of the page.
    await cluster.runner('front2').proc.kill('SIGKILL');
    await page.locator('tr[data-runner=front2] [data-state=lost]').waitFor({ timeout: 30_000 });
    expect(await stateOf('central_receiver2').catch(() => null)).toBeNull(); // (the overview lists no instance rows)
    // Its receiver outlives the runner (as in Shiva): the runner, back, stops what it left.
    await cluster.startRunner('front2', cluster.runner('front2').tags, { allow: ['punchlinectl'] });
    await page.locator('tr[data-runner=front2] [data-state=live]').waitFor({ timeout: 30_000 });
  });
});
