/**
 * The audit log's keys in a real etcd (audit-log.ts): appended entries come back by time, the
 * newest `limit` of a range, and the leader's purge deletes what is past the retention, then the
 * oldest past max_entries, nothing else.
 */
import { randomBytes } from 'node:crypto';
import type { AuditEntry } from '@drover/cluster-state';
import { createLogger } from '@drover/platform';
import { connectStore, type Store } from '@drover/store';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually.js';
import { droverServices } from '../../../test/support/services.js';
import { AuditRetention, EtcdAuditLog } from '../src/audit-log.js';

const DAY = 86_400_000;
const now = new Date('2026-11-23T03:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

const entry = (time: string, action = 'stop'): AuditEntry => ({
  time,
  controller: 'c1',
  token: 'alice',
  role: 'operate',
  via: 'token',
  source: '127.0.0.1',
  method: 'POST',
  path: `/v1/channels/t/c/${action}`,
  action,
  channel: 't/c',
  status: 200,
  result: 'ok',
  code: null,
  message: null,
});

const stores: Store[] = [];
function freshStore(): Store {
  const store = connectStore({
    endpoints: droverServices('etcd').etcd.endpoints,
    prefix: `/drover-audit-${randomBytes(6).toString('hex')}`,
  });
  stores.push(store);
  return store;
}

afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.deletePrefix(store.layout.root);
    store.close();
  }
});

const times = async (store: Store) =>
  (await store.list(store.layout.audits(), (raw) => raw as AuditEntry)).items.map((i) => i.value.time);

describe('audit log in etcd', () => {
  it('lists the entries since a time, oldest first; with a limit, the newest and truncated', async () => {
    const store = freshStore();
    const log = new EtcdAuditLog(store, { retentionMs: 365 * DAY, maxEntries: 100 });
    const written = [ago(3 * DAY), ago(2 * DAY), ago(DAY), ago(DAY), ago(60_000)];
    for (const time of written) await log.append(entry(time));
    // Nothing else under the prefix is read as an entry.
    await store.put(`${store.layout.root}auditx`, { not: 'an entry' });

    const all = await log.list({ since: new Date(now.getTime() - 7 * DAY), limit: 100 });
    expect(all.entries.map((e) => e.time)).toEqual(written);
    expect(all.truncated).toBe(false);
    const recent = await log.list({ since: new Date(now.getTime() - 36 * 3_600_000), limit: 100 });
    expect(recent.entries.map((e) => e.time)).toEqual(written.slice(2));
    const newest = await log.list({ since: new Date(0), limit: 2 });
    expect(newest.entries.map((e) => e.time)).toEqual([ago(DAY), ago(60_000)]);
    expect(newest.truncated).toBe(true);
  });

  it('purges what is older than the retention, then the oldest past max_entries, and nothing else', async () => {
    const store = freshStore();
    const log = new EtcdAuditLog(store, { retentionMs: 30 * DAY, maxEntries: 3 });
    for (const time of [ago(400 * DAY), ago(31 * DAY), ago(29 * DAY), ago(10 * DAY), ago(DAY), ago(1000)]) {
      await log.append(entry(time));
    }
    await store.put(store.layout.runner('r1'), { keep: true });
    expect(await log.purge(now)).toEqual({ expired: 2, overCap: 1 });
    expect(await times(store)).toEqual([ago(10 * DAY), ago(DAY), ago(1000)]);
    expect(await log.purge(now)).toEqual({ expired: 0, overCap: 0 });
    expect(await store.get(store.layout.runner('r1'), (raw) => raw)).toBeDefined();
  });

  it("the leader's retention loop purges at once when it starts, and stop() waits for it", async () => {
    const store = freshStore();
    const settings = { retentionMs: 365 * DAY, maxEntries: 100 };
    const log = new EtcdAuditLog(store, settings);
    await log.append(entry(ago(400 * DAY)));
    await log.append(entry(ago(DAY)));
    const retention = new AuditRetention(
      log,
      settings,
      createLogger('test', { level: 'silent', pretty: false }),
      () => now,
    );
    await eventually(async () => (await times(store)).length === 1);
    await retention.stop();
    expect(await times(store)).toEqual([ago(DAY)]);
  });
});
