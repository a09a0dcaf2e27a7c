/**
 * etcd with client TLS (client certificates required) and authentication on, as a real platform
 * runs it: a controller and a runner configured through the platform file (etcd.tls, etcd.auth)
 * place and run a channel, and channelctl drives them through the API. Then what can never work
 * fails at start with an error naming the cause: a wrong password, a client certificate from a
 * CA etcd does not trust, a CA that does not verify etcd's certificate, a user without rights on
 * the prefix. A dedicated etcd of the test's own (the shared one stays plain for the others).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EtcdHandle, enableEtcdAuth, startEtcd } from '@drover/dev-services';
import { ExitCode } from '@drover/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type Issued, issueCertificate } from '../support/certs.js';
import { idleChannelCopy, TestCluster } from '../support/cluster.js';
import { scratchDir } from '../support/scratch.js';
import { droverServices } from '../support/services.js';

const PREFIX = '/drover-secure';

const dir = scratchDir('drover-etcd-secure-');
let etcd: EtcdHandle | undefined;
let cluster: TestCluster | undefined;
let ca: Issued;
let client: Issued;
let rogue: Issued;
let otherCa: Issued;

/** A platform file for the secured etcd; `over` changes the etcd section. */
function platformFile(
  name: string,
  over: { tls?: Record<string, string>; password?: string; user?: string },
) {
  const passwordFile = join(dir, `${name}.password`);
  writeFileSync(passwordFile, `${over.password ?? 'drover-secret'}\n`, { mode: 0o600 });
  const tls = over.tls ?? { ca: ca.certFile, cert: client.certFile, key: client.keyFile };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'etcd:',
      `  endpoints: [${(etcd as EtcdHandle).endpoints.join(', ')}]`,
      `  prefix: ${PREFIX}`,
      '  tls:',
      ...Object.entries(tls).map(([k, v]) => `    ${k}: ${v}`),
      '  auth:',
      `    username: ${over.user ?? 'drover'}`,
      `    password_file: ${passwordFile}`,
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  ca = createCa(dir, 'etcd-ca');
  otherCa = createCa(dir, 'other-ca');
  // etcd's gateway dials etcd itself with the server certificate: it needs both usages.
  const server = issueCertificate(dir, ca, 'etcd-server', {
    cn: 'etcd',
    usage: 'server+client',
    altNames: ['IP:127.0.0.1'],
  });
  client = issueCertificate(dir, ca, 'drover-client', { cn: 'drover', usage: 'client' });
  rogue = issueCertificate(dir, otherCa, 'rogue-client', { cn: 'drover', usage: 'client' });
  etcd = await startEtcd({
    dataDir: join(dir, 'etcd'),
    tls: { ca: ca.certFile, cert: server.certFile, key: server.keyFile, clientCertAuth: true },
  });
  await enableEtcdAuth(etcd.endpoints[0] as string, {
    rootPassword: 'root-secret',
    users: [
      { name: 'drover', password: 'drover-secret', prefix: PREFIX },
      { name: 'elsewhere', password: 'elsewhere-secret', prefix: '/someone-else' },
    ],
    tls: { ca: ca.certFile, cert: client.certFile, key: client.keyFile },
  });
});

afterAll(async () => {
  await cluster?.stop();
  await etcd?.stop();
});

describe('etcd with client TLS and authentication', () => {
  it('runs a channel: controller and runner on the secured etcd, channelctl through the API', async () => {
    const { kafka } = droverServices('kafka');
    const secure = etcd as EtcdHandle;
    expect(secure.endpoints[0]).toMatch(/^https:/);
    cluster = new TestCluster({
      etcd: secure.endpoints,
      kafka: kafka.brokers,
      configFile: platformFile('good', {}),
      prefix: PREFIX,
    });
    const channels = join(cluster.dir, 'channels');
    idleChannelCopy(channels, 'reftenant', 'receiver');
    await cluster.startController('controller-a');
    await cluster.startRunner('front1', ['centralfront1']);
    await cluster.startRunner('front2', ['centralfront2']);
    const started = await cluster.channelctl([
      '--channels-dir',
      channels,
      'start',
      'reftenant/receiver',
      '--wait',
      '--timeout',
      '60',
    ]);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/central_receiver1\s+0\s+front1\s+running/);
    expect(started.stdout).toMatch(/central_receiver2\s+0\s+front2\s+running/);
  });

  const refusals: [string, () => string, RegExp][] = [
    [
      'a wrong password',
      () => platformFile('bad-password', { password: 'guess' }),
      /etcd refused user "drover": wrong password \(etcd\.auth\.password_file .*bad-password\.password\)/,
    ],
    [
      'a client certificate from a CA etcd does not trust',
      () => platformFile('rogue', { tls: { ca: ca.certFile, cert: rogue.certFile, key: rogue.keyFile } }),
      /TLS handshake was refused .*cert .*rogue-client\.crt/,
    ],
    [
      'a CA that does not verify etcd',
      () =>
        platformFile('wrong-ca', {
          tls: { ca: otherCa.certFile, cert: client.certFile, key: client.keyFile },
        }),
      /does not verify against etcd\.tls\.ca .*ca .*other-ca\.crt/,
    ],
    [
      'a user without rights on the prefix',
      () => platformFile('no-rights', { user: 'elsewhere', password: 'elsewhere-secret' }),
      /etcd user "elsewhere" may not read and write under \/drover-secure/,
    ],
  ];
  it.each(refusals)('refuses to start with %s, naming the cause', async (_what, file, message) => {
    const secure = etcd as EtcdHandle;
    const bad = new TestCluster({ etcd: secure.endpoints, configFile: file(), prefix: PREFIX });
    // The runner exits before it ever serves: startRunner's wait for /healthz fails.
    await expect(bad.startRunner('front9', ['x'])).rejects.toThrow();
    const runner = bad.runner('front9');
    expect(await runner.proc.exited).toBe(ExitCode.ACCESS_REFUSED);
    // The fatal record of its JSON log says why.
    const fatal = runner.proc
      .log()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((record) => record.level === 60);
    expect(fatal?.msg).toMatch(message);
  });
});
