import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.js';
import { applyChanges, DemoChannelError, oneHostPlan } from './channels.js';
import { demoLayout } from './layout.js';

const settings = {
  postgresUrl: 'postgres://drover@127.0.0.1:40001/drover',
  searchNodes: 'http://127.0.0.1:40002',
  tlsBase: '/tmp/demo/tls/syslog-receiver',
  spoolDir: '/tmp/demo/spool',
  ports: demoLayout(0),
};
const shipped = (file: string) => readFile(join(repoRoot(), 'channels', 'reftenant', file), 'utf8');

async function planned(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of oneHostPlan(settings))
    out.set(p.target, applyChanges(p.source, await shipped(p.source), p.changes));
  return out;
}

describe('the shipped channels on one host', () => {
  it('gives each receiver of a pair its own loopback port and points the forwarder at both', async () => {
    const files = await planned();
    expect(files.get('receiver/logs_receiver.yaml')).toMatch(/host: 127\.0\.0\.1\s+port: 2002\b/);
    expect(files.get('receiver/logs_receiver2.yaml')).toMatch(/host: 127\.0\.0\.1\s+port: 2003\b/);
    expect(files.get('receiver/channel_structure.yaml')).toMatch(
      /name: central_receiver2[\s\S]*?logs_receiver2\.yaml/,
    );
    const forwarder = files.get('forwarder/forwarder.yaml') ?? '';
    expect(forwarder).not.toContain('centralfront');
    expect(forwarder).toMatch(/host: 127\.0\.0\.1\s+port: 2002[\s\S]*host: 127\.0\.0\.1\s+port: 2003/);
  });

  it('stores into the local PostgreSQL and search node', async () => {
    const processor = (await planned()).get('processor/logs_processor.yaml') ?? '';
    expect(processor).toContain(`url: ${settings.postgresUrl}`);
    expect(processor).toContain(`hosts: ["${settings.searchNodes}"]`);
  });

  it('moves every syslog listener to loopback, unprivileged ports, the demo certificate and a spool each', async () => {
    const files = await planned();
    const one = files.get('syslog/syslog_receiver.yaml') ?? '';
    const two = files.get('syslog/syslog_receiver2.yaml') ?? '';
    for (const f of [one, two]) {
      expect(f).not.toContain('0.0.0.0');
      expect(f).not.toMatch(/port: 514\b/);
      expect(f).not.toContain('/etc/drover');
      expect(f).not.toContain('/var/lib/drover');
    }
    expect(one).toMatch(/port: 6514\b/);
    expect(two).toMatch(/port: 6515\b/);
    expect(two).toMatch(/port: 1515\b/);
    expect(one).toContain('/tmp/demo/spool/syslog-receiver1');
    expect(two).toContain('/tmp/demo/spool/syslog-receiver2');
    expect(files.get('syslog/channel_structure.yaml')).toMatch(
      /name: central_syslog_receiver2[\s\S]*?syslog_receiver2\.yaml/,
    );
  });

  it('shifts every port by the layout offset', () => {
    const shifted = oneHostPlan({ ...settings, ports: demoLayout(100) });
    const forwarder = shifted.find((p) => p.target === 'forwarder/forwarder.yaml');
    expect(forwarder?.changes.map((c) => c.to)).toEqual([
      'host: 127.0.0.1$1port: 2102',
      'host: 127.0.0.1$1port: 2103',
    ]);
    expect(demoLayout(100).ports).toEqual([
      7170, 7175, 7171, 7172, 7173, 7174, 2102, 2103, 2614, 6614, 1614, 2615, 6615, 1615,
    ]);
  });

  it('refuses to start, naming the file and the change, when a shipped channel no longer reads as expected', () => {
    const changes = [{ what: 'receiver port 2003', from: /port: 2002\b/, to: 'port: 2003' }];
    expect(() => applyChanges('receiver/logs_receiver.yaml', 'port: 4000\n', changes)).toThrow(
      DemoChannelError,
    );
    expect(() => applyChanges('receiver/logs_receiver.yaml', 'port: 4000\n', changes)).toThrow(
      /receiver\/logs_receiver\.yaml: the demo cannot apply "receiver port 2003"/,
    );
  });
});
