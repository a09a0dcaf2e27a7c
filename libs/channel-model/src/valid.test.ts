import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChannelStructure } from './channel-structure.js';
import { ChannelValidationError, formatIssue, unwrap } from './issues.js';
import { loadChannel, validateChannelFiles } from './load-channel.js';
import { elasticsearchOutputSettings } from './node-types.js';
import { parsePipeline } from './pipeline.js';
import { defaultPlatformConfig, parsePlatformConfig, resolvePlatformPaths } from './platform-config.js';
import { quartzError, quartzSchedule } from './quartz.js';
import { parseDuration, parseMemory } from './units.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const Mi = 1024 ** 2;

describe('the shipped channels', () => {
  it('all validate, and the forwarder targets both receivers from a collector host', async () => {
    const root = join(repo, 'channels');
    const refs = readdirSync(root).flatMap((t) => readdirSync(join(root, t)).map((c) => [t, c] as const));
    expect(refs.map(([t, c]) => `${t}/${c}`)).toEqual(
      expect.arrayContaining(['reftenant/receiver', 'reftenant/forwarder', 'reftenant/syslog']),
    );
    for (const [t, c] of refs) {
      const result = await loadChannel(join(root, t, c));
      expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
    }
    const forwarder = unwrap(await loadChannel(join(root, 'reftenant', 'forwarder')));
    expect(forwarder.structure.applications[0]?.shiva_runner_tags).toEqual(['collector']);
    const pipeline = unwrap(
      parsePipeline(forwarder.files['forwarder.yaml'] ?? '', { file: 'forwarder.yaml' }),
    );
    const output = pipeline.dag.find((n) => n.type === 'lumberjack_output');
    expect(output?.settings.destinations).toEqual([
      { host: 'centralfront1', port: 2002 },
      { host: 'centralfront2', port: 2002 },
    ]);
  });
});

describe('the processor channel', () => {
  it('declares its index template as a resource, and its search output leaves the template to the controller', async () => {
    const processor = unwrap(await loadChannel(join(repo, 'channels', 'reftenant', 'processor')));
    expect(processor.structure.resources).toContainEqual({
      type: 'elasticsearch_index_template',
      cluster: 'es_search',
      name: 'reftenant-logs',
      file: 'templates/reftenant-logs.json',
      overwrite: false,
    });
    const pipeline = unwrap(
      parsePipeline(processor.files['logs_processor.yaml'] ?? '', { file: 'logs_processor.yaml' }),
    );
    const output = pipeline.dag.find((n) => n.type === 'elasticsearch_output');
    expect(output?.settings.template).toBeUndefined();
  });
});

describe('the seed receiver channel', () => {
  it('loads cleanly with its two pinned receivers, five topics and the pipeline', async () => {
    const result = await loadChannel(join(repo, 'channels', 'reftenant', 'receiver'));
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const { tenant, channel, structure, files } = result.value;
    expect([tenant, channel]).toEqual(['reftenant', 'receiver']);
    expect(structure.applications.map((a) => [a.name, a.cluster, a.shiva_runner_tags])).toEqual([
      ['central_receiver1', 'shiva_front', ['centralfront1']],
      ['central_receiver2', 'shiva_front', ['centralfront2']],
    ]);
    expect(structure.applications.every((a) => a.memory_limit === 256 * Mi && a.instances === 1)).toBe(true);
    expect(
      structure.resources.map((r) => [r.name, r.type === 'kafka_topic' ? r.partitions : r.type]),
    ).toEqual([
      ['reftenant-receiver-linux-os', 3],
      ['reftenant-receiver-apache', 3],
      ['reftenant-receiver-winlogbeat', 3],
      ['reftenant-receiver-unknown', 1],
      ['reftenant-receiver-switch-errors', 1],
    ]);
    expect(Object.keys(files).sort()).toEqual([
      'channel_structure.yaml',
      'logs_receiver.yaml',
      'resources/device_to_device_type.json',
    ]);
  });
});

describe('validateChannelFiles (an upload)', () => {
  it('accepts what loadChannel read, and finds the same structure', async () => {
    const loaded = unwrap(await loadChannel(join(repo, 'channels', 'reftenant', 'receiver')));
    const again = unwrap(await validateChannelFiles('reftenant', 'receiver', loaded.files));
    expect(again.structure).toEqual(loaded.structure);
    expect(again.files).toEqual(loaded.files);
  });

  it('names the missing pipeline with the line of the argument that names it', async () => {
    const loaded = unwrap(await loadChannel(join(repo, 'channels', 'reftenant', 'receiver')));
    const { 'logs_receiver.yaml': _dropped, ...rest } = loaded.files;
    const result = await validateChannelFiles('reftenant', 'receiver', rest);
    expect(result.ok).toBe(false);
    const lines = result.issues.map(formatIssue);
    expect(lines[0]).toMatch(
      /^reftenant\/receiver\/channel_structure\.yaml:\d+:\d+: applications\[0\]\.args\[2\]: file "logs_receiver\.yaml" not found/,
    );
  });

  it('refuses an upload without channel_structure.yaml', async () => {
    const result = await validateChannelFiles('t', 'c', { 'x.yaml': 'a: 1' });
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.message).toBe('channel_structure.yaml missing from the uploaded files');
  });

  it('refuses tenant and channel names that are not identifiers', async () => {
    const result = await validateChannelFiles('../etc', 'c', {
      'channel_structure.yaml': 'version: "6.0"\n',
    });
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.message).toMatch(/tenant name "\.\.\/etc" must be a plain identifier/);
  });
});

describe('loadChannel', () => {
  const channelDir = (structure: string, extra: Record<string, string> = {}) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'drover-channel-')), 'tenant1', 'chan1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'channel_structure.yaml'), structure);
    for (const [path, text] of Object.entries(extra)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };
  const structure = (pipelineFile: string) =>
    `version: "6.0"\napplications:\n  - name: a\n    cluster: common\n    command: punchlinectl\n    args: [start, --punchline, ${pipelineFile}]\n`;

  it('reports a pipeline file that does not exist, at the argument naming it', async () => {
    const result = await loadChannel(channelDir(structure('missing.yaml')));
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({ line: 6, column: 32, path: 'applications[0].args[2]' });
    expect(result.issues[0]?.message).toContain('file "missing.yaml" not found');
  });

  it('reports the issues of the pipeline file itself, with its own file name', async () => {
    const dir = channelDir(structure('p.yaml'), {
      'p.yaml': 'version: "6.0"\ndag:\n  - type: nope\n    component: x\n',
    });
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.file).toBe(join(dir, 'p.yaml'));
    expect(result.issues[0]?.message).toContain('unknown node type "nope"');
  });

  it('refuses a shipped symlink that leads outside the channel directory', async () => {
    const dir = channelDir(structure('p.yaml'), {
      'p.yaml':
        'version: "6.0"\ndag:\n  - type: kafka_input\n    component: x\n    settings: { brokers: ["h:1"], topic: t }\n    publish: [{ stream: logs, fields: [log] }]\n',
    });
    symlinkSync('/etc/hostname', join(dir, 'escape.json'));
    const withResource = `${structure('p.yaml')}    resources: [escape.json]\n`;
    writeFileSync(join(dir, 'channel_structure.yaml'), withResource);
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues[0]?.message).toContain('leads outside the channel directory');
  });

  const withTemplate = (file = 'templates/logs.json') =>
    `${structure('p.yaml')}resources:\n  - type: kafka_topic\n    cluster: kafka_front\n    name: logs\n    partitions: 1\n    replication_factor: 1\n  - type: elasticsearch_index_template\n    cluster: search_front\n    name: logs\n    file: ${file}\n`;
  const minimalPipeline =
    'version: "6.0"\ndag:\n  - type: generator_input\n    component: x\n    publish: [{ stream: logs, fields: [log] }]\n';

  it('takes an index template resource beside a topic of the same name, its file checked as JSON', async () => {
    const template = { index_patterns: ['logs-*'], priority: 10, template: { mappings: { properties: {} } } };
    const result = await loadChannel(
      channelDir(withTemplate(), {
        'p.yaml': minimalPipeline,
        'templates/logs.json': JSON.stringify(template),
      }),
    );
    const loaded = unwrap(result);
    expect(loaded.structure.resources.map((r) => [r.type, r.name])).toEqual([
      ['kafka_topic', 'logs'],
      ['elasticsearch_index_template', 'logs'],
    ]);
    expect(loaded.structure.resources[1]).toMatchObject({ cluster: 'search_front', overwrite: false });
  });

  it('reports a missing index template file at the resource naming it', async () => {
    const result = await loadChannel(
      channelDir(withTemplate('templates/none.json'), { 'p.yaml': minimalPipeline }),
    );
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({ line: 16, column: 11, path: 'resources[1].file' });
    expect(result.issues[0]?.message).toBe('file "templates/none.json" not found in the channel directory');
  });

  it('reports an index template file that is not JSON at its line and column', async () => {
    const dir = channelDir(withTemplate(), {
      'p.yaml': minimalPipeline,
      'templates/logs.json': '{\n  "index_patterns": ["logs-*"],\n  "priority" 10\n}\n',
    });
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({ file: join(dir, 'templates/logs.json'), line: 3, column: 14 });
    expect(result.issues[0]?.message).toMatch(/^not valid JSON: /);
  });

  it('reports what the engine would refuse in an index template file, with the field and its position', async () => {
    const dir = channelDir(withTemplate(), {
      'p.yaml': minimalPipeline,
      'templates/logs.json':
        '{\n  "index_patterns": "logs-*",\n  "template": {\n    "mapping": {}\n  },\n  "priority": -1\n}\n',
    });
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      `${join(dir, 'templates/logs.json')}:2:21: index_patterns: index_patterns must be a list of patterns`,
      `${join(dir, 'templates/logs.json')}:4:5: template.mapping: unknown field "mapping"`,
      `${join(dir, 'templates/logs.json')}:6:15: priority: priority must be 0 or more`,
    ]);
  });

  it('refuses a key given twice in an index template file (JSON.parse would keep the last)', async () => {
    const dir = channelDir(withTemplate(), {
      'p.yaml': minimalPipeline,
      'templates/logs.json': '{"index_patterns": ["a-*"], "priority": 1, "priority": 2}',
    });
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({
      line: 1,
      column: 44,
      message: 'duplicate key: map keys must be unique',
    });
  });

  it('refuses an elasticsearch_output that ensures a template the channel declares as a resource', async () => {
    const pipeline = `version: "6.0"
dag:
  - type: generator_input
    component: gen
    publish: [{ stream: logs, fields: [log] }]
  - type: elasticsearch_output
    component: search
    settings:
      hosts: ["http://127.0.0.1:9200"]
      index: logs-%Y.%m.%d
      template:
        name: logs
        file: templates/logs.json
    subscribe: [{ component: gen, stream: logs }]
    publish: [{ stream: _ppf_errors, fields: [_ppf_error_message, _ppf_error_document] }]
`;
    const dir = channelDir(withTemplate(), {
      'p.yaml': pipeline,
      'templates/logs.json': '{"index_patterns": ["logs-*"]}',
    });
    const result = await loadChannel(dir);
    expect(result.ok).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      `${join(dir, 'p.yaml')}:12:15: dag[1].settings.template.name: index template "logs" is a resource of the channel: the controller ensures it, remove this template setting`,
    ]);
  });

  it('says when the directory or its structure file is missing', async () => {
    const result = await loadChannel(join(tmpdir(), 'no-such-tenant', 'no-such-channel'));
    expect(result.issues[0]?.message).toMatch(/channel directory .* not found/);
  });
});

describe('defaults', () => {
  it('fills in application defaults', () => {
    const result = parseChannelStructure(
      'version: "6.0"\napplications:\n  - name: a\n    cluster: common\n    command: tool\n',
      { file: 'c.yaml' },
    );
    const app = unwrap(result).applications[0];
    expect(app).toMatchObject({ instances: 1, reload_action: 'kill_then_start', args: [], env: {} });
    expect(unwrap(result).start_by_tenant).toBe(true);
  });

  it('gives a complete platform configuration from an empty file', () => {
    const config = unwrap(parsePlatformConfig('', { file: 'drover.yaml' }));
    expect(config).toEqual(defaultPlatformConfig);
    expect(config.etcd).toEqual({ endpoints: ['http://127.0.0.1:2379'], prefix: '/drover' });
    expect(config.runner.default_memory_limit).toBe(512 * Mi);
    expect(config.runner.allowed_commands).toEqual(['punchlinectl']);
    expect(config.api.listen).toBe('127.0.0.1:7070');
  });

  it('accepts the example platform file', async () => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(join(repo, 'deploy', 'drover.yaml'), 'utf8');
    const config = unwrap(parsePlatformConfig(text, { file: 'deploy/drover.yaml' }));
    expect(config.kafka.clusters.kafka_front?.brokers.length).toBeGreaterThan(0);
  });

  it("makes every file path of the platform file absolute against the file's directory", () => {
    const text = [
      'etcd:',
      '  tls: { ca: tls/etcd-ca.pem, cert: tls/etcd.pem, key: /abs/etcd-key.pem }',
      '  auth: { username: drover, password_file: etcd-password }',
      'kafka:',
      '  clusters:',
      '    front:',
      '      brokers: [k1:9093]',
      '      tls: { ca: kafka-ca.pem, server_name: kafka.example.net }',
      '      sasl: { mechanism: PLAIN, username: drover, password_file: ../secrets/kafka }',
      '    plain:',
      '      brokers: [k2:9092]',
      'search:',
      '  clusters:',
      '    es: { nodes: [https://es1:9200], auth: { username: u, password_file: es-pw }, tls: { ca: es-ca.pem } }',
      'api: { token_file: tokens.yaml, tls: { cert: api.pem, key: api-key.pem } }',
      'log_store: { url: postgres://drover@db/drover, password_file: pg-pw }',
      'runner: { workdir: instances }',
    ].join('\n');
    const config = resolvePlatformPaths(
      unwrap(parsePlatformConfig(text, { file: 'drover.yaml' })),
      '/etc/drover',
    );
    expect(config.etcd.tls).toEqual({
      ca: '/etc/drover/tls/etcd-ca.pem',
      cert: '/etc/drover/tls/etcd.pem',
      key: '/abs/etcd-key.pem',
    });
    expect(config.etcd.auth?.password_file).toBe('/etc/drover/etcd-password');
    expect(config.kafka.clusters.front?.tls).toEqual({
      ca: '/etc/drover/kafka-ca.pem',
      server_name: 'kafka.example.net',
    });
    expect(config.kafka.clusters.front?.sasl?.password_file).toBe('/etc/secrets/kafka');
    expect(config.kafka.clusters.plain).toEqual({ brokers: ['k2:9092'] });
    expect(config.search.clusters.es?.auth?.password_file).toBe('/etc/drover/es-pw');
    expect(config.search.clusters.es?.tls?.ca).toBe('/etc/drover/es-ca.pem');
    expect(config.api.token_file).toBe('/etc/drover/tokens.yaml');
    expect(config.api.tls).toEqual({ cert: '/etc/drover/api.pem', key: '/etc/drover/api-key.pem' });
    expect(config.log_store?.password_file).toBe('/etc/drover/pg-pw');
    // A directory the runner creates, not a file it reads: as written.
    expect(config.runner.workdir).toBe('instances');
    // Nothing else changes.
    expect(resolvePlatformPaths(defaultPlatformConfig, '/etc/drover')).toEqual(defaultPlatformConfig);
  });

  it('reads a Kafka cluster with TLS and SASL', () => {
    const text = [
      'kafka:',
      '  clusters:',
      '    kafka_front:',
      '      brokers: [k1.example.net:9093, k2.example.net:9093]',
      '      tls:',
      '        ca: kafka-ca.pem',
      '        cert: /etc/drover/kafka-client.pem',
      '        key: /etc/drover/kafka-client-key.pem',
      '        server_name: kafka.example.net',
      '      sasl:',
      '        mechanism: SCRAM-SHA-512',
      '        username: drover',
      '        password_file: /etc/drover/kafka-password',
      '    kafka_public:',
      '      brokers: [kafka.example.com:9093]',
      '      tls: {}',
      '',
    ].join('\n');
    const config = unwrap(parsePlatformConfig(text, { file: 'drover.yaml' }));
    expect(config.kafka.clusters.kafka_front).toEqual({
      brokers: ['k1.example.net:9093', 'k2.example.net:9093'],
      tls: {
        ca: 'kafka-ca.pem',
        cert: '/etc/drover/kafka-client.pem',
        key: '/etc/drover/kafka-client-key.pem',
        server_name: 'kafka.example.net',
      },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'drover', password_file: '/etc/drover/kafka-password' },
    });
    expect(config.kafka.clusters.kafka_public).toEqual({ brokers: ['kafka.example.com:9093'], tls: {} });
  });

  it('throws a ChannelValidationError listing every issue when unwrapped', () => {
    const result = parsePipeline('version: 1\ndag: []\nextra: 1\n', { file: 'p.yaml' });
    expect(() => unwrap(result, 'p.yaml is invalid')).toThrow(ChannelValidationError);
    expect(() => unwrap(result, 'p.yaml is invalid')).toThrow(/p\.yaml:3:1: extra: unknown field "extra"/);
  });
});

describe('units', () => {
  it.each([
    ['256Mi', 256 * Mi],
    ['1Gi', 1024 * Mi],
    ['512M', 512_000_000],
    ['100000', 100_000],
    [4096, 4096],
    ['1.5Gi', 1.5 * 1024 * Mi],
  ])('parseMemory(%j) = %d bytes', (input, bytes) => {
    expect(parseMemory(input)).toEqual({ bytes });
  });

  it.each(['12Xi', '-1Mi', 'Mi', '', '0', '1 Gi b'])('parseMemory(%j) is an error', (input) => {
    expect(parseMemory(input)).toHaveProperty('error');
  });

  it.each([
    ['500ms', 500],
    ['1s', 1000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['365d', 365 * 86_400_000],
    ['1d12h', 36 * 3_600_000],
  ])('parseDuration(%j) = %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ms });
  });

  it.each(['10', 's', '1w', '-1s', '1 s'])('parseDuration(%j) is an error', (input) => {
    expect(parseDuration(input)).toHaveProperty('error');
  });
});

describe('robustness', () => {
  it('never throws on arbitrary text: it returns issues', () => {
    const yamlish = fc.stringMatching(/^[\s\S]{0,200}$/).map((s) => s);
    const fragments = fc
      .array(
        fc.constantFrom(
          'version: "6.0"\n',
          'applications:\n',
          '  - name: x\n',
          '    command: /bin/sh\n',
          'dag:\n',
          '- ',
          ': ',
          '[',
          '{',
          '&a ',
          '*a',
          '"',
          '\t',
          '\n',
          '_ppf_',
          '- type: dispatch\n',
        ),
        { maxLength: 30 },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(yamlish, fragments), (text) => {
        for (const parse of [
          () => parseChannelStructure(text, { file: 'f' }),
          () => parsePipeline(text, { file: 'f' }),
          () => parsePlatformConfig(text, { file: 'f' }),
        ]) {
          const result = parse();
          if (!result.ok) {
            for (const issue of result.issues) {
              expect(issue.line).toBeGreaterThanOrEqual(1);
              expect(issue.column).toBeGreaterThanOrEqual(1);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('quartz schedules', () => {
  const from = new Date('2026-11-23T05:00:02.000Z');
  const runs = (expr: string, n = 3) => {
    const next = quartzSchedule(expr, { timeZone: 'UTC' });
    const out: string[] = [];
    let at = from;
    for (let i = 0; i < n; i++) {
      const d = next(at);
      if (d === undefined) break;
      out.push(d.toISOString());
      at = d;
    }
    return out;
  };

  it('runs the expressions found in Punch channels', () => {
    expect(runs('0 0 * ? * * *')).toEqual([
      '2026-11-23T06:00:00.000Z',
      '2026-11-23T07:00:00.000Z',
      '2026-11-23T08:00:00.000Z',
    ]);
    expect(runs('0 * * ? * * *')).toEqual([
      '2026-11-23T05:01:00.000Z',
      '2026-11-23T05:02:00.000Z',
      '2026-11-23T05:03:00.000Z',
    ]);
    expect(runs('0/5 * * * * ? *')).toEqual([
      '2026-11-23T05:00:05.000Z',
      '2026-11-23T05:00:10.000Z',
      '2026-11-23T05:00:15.000Z',
    ]);
  });

  it('numbers weekdays the Quartz way (1 = SUN) and honours the year', () => {
    // 2026-11-23 is a Monday: Quartz day 2.
    expect(runs('0 0 12 ? * 2', 1)).toEqual(['2026-11-23T12:00:00.000Z']);
    expect(runs('0 0 12 1 1 ? 2027', 1)).toEqual(['2027-01-01T12:00:00.000Z']);
    expect(runs('0 0 12 1 1 ? 2020')).toEqual([]);
  });

  it('reports a malformed expression at its line in channel_structure.yaml', () => {
    const text = `version: "6.0"\napplications:\n  - name: a\n    runtime: shiva\n    cluster: c\n    command: x\n    quartzcron_schedule: "0 0 25 ? * * *"\n`;
    const result = parseChannelStructure(text, { file: 'cs.yaml' });
    expect(result.ok).toBe(false);
    expect(formatIssue(result.issues[0] as never)).toMatch(
      /^cs\.yaml:7:\d+: applications\[0\]\.quartzcron_schedule: quartzcron_schedule: /,
    );
    expect(quartzError('0 0 12 ? * 2')).toBeUndefined();
  });
});

describe('node settings with a strict schema (lumberjack_input)', () => {
  const pipeline = (settings: string) =>
    `version: "6.0"\ndag:\n  - type: lumberjack_input\n    component: in\n    settings:\n${settings}    publish:\n      - stream: logs\n        fields: [log]\n`;

  it('accepts the receiver settings and fills the defaults', () => {
    const result = parsePipeline(
      pipeline('      listen:\n        host: 0.0.0.0\n        port: 2002\n      compression: true\n'),
      { file: 'p.yaml' },
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.value.dag[0]?.settings).toMatchObject({ listen: { port: 2002 } });
  });

  it('names an unknown or mistyped setting with its line', () => {
    const result = parsePipeline(pipeline('      listen:\n        port: "2002"\n      lisen: 1\n'), {
      file: 'p.yaml',
    });
    expect(result.ok).toBe(false);
    const lines = result.issues.map(formatIssue).join('\n');
    expect(lines).toMatch(/^p\.yaml:7:\d+: dag\[0\]\.settings\.listen\.port: /m);
    expect(lines).toMatch(/lisen/);
  });
});

describe('outputs and _ppf_errors', () => {
  it('accepts an output that publishes _ppf_errors (the events it rejects), subscribed by another output', () => {
    const text = `version: "6.0"
dag:
  - type: lumberjack_input
    component: in
    settings:
      listen: {port: 2002}
    publish:
      - stream: logs
        fields: [log, _ppf_id]
  - type: kafka_output
    component: store
    settings: {brokers: ["127.0.0.1:9092"], topic: logs}
    subscribe:
      - {component: in, stream: logs}
    publish:
      - stream: _ppf_errors
        fields: [_ppf_id, _ppf_error_message, _ppf_error_document]
  - type: kafka_output
    component: errors
    settings: {brokers: ["127.0.0.1:9092"], topic: errors}
    subscribe:
      - {component: store, stream: _ppf_errors}
`;
    const result = parsePipeline(text, { file: 'p.yaml' });
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(result.value.dag[1]?.publish.map((p) => p.stream)).toEqual(['_ppf_errors']);
  });
});

describe('elasticsearch_output', () => {
  const pipeline = (settings: string, publish: string) => `version: "6.0"
dag:
  - type: kafka_input
    component: in
    settings: {brokers: ["127.0.0.1:9092"], topic: logs}
    publish:
      - stream: logs
        fields: [log, device_type, _ppf_id, _ppf_timestamp]
  - type: elasticsearch_output
    component: es
    settings: ${settings}
    subscribe:
      - {component: in, stream: logs}
${publish}
  - type: kafka_output
    component: errors
    settings: {brokers: ["127.0.0.1:9092"], topic: errors}
    subscribe:
      - {component: es, stream: _ppf_errors}
`;
  const errors = `    publish:
      - stream: _ppf_errors
        fields: [_ppf_id, _ppf_error_message, _ppf_error_document]`;

  it('accepts hosts and an index pattern, and fills the defaults', () => {
    const result = parsePipeline(
      pipeline('{hosts: ["http://127.0.0.1:9200"], index: "logs-{device_type}-%Y.%m.%d"}', errors),
      { file: 'p.yaml' },
    );
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    expect(elasticsearchOutputSettings.parse(result.value.dag[1]?.settings)).toMatchObject({
      id_field: '_ppf_id',
      timestamp_field: '_ppf_timestamp',
      op_type: 'index',
      batch_size: 1000,
      compression: 'none',
      max_retries: 8,
    });
  });

  it('must publish _ppf_errors, and needs an index or an index field', () => {
    const result = parsePipeline(pipeline('{hosts: ["127.0.0.1:9200"]}', ''), { file: 'p.yaml' });
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.issues.map(formatIssue);
    expect(messages.join('\n')).toMatch(/p\.yaml:9:\d+: .*elasticsearch_output must publish _ppf_errors/);
    expect(messages.join('\n')).toMatch(/expected http:\/\/HOST:PORT/);
    expect(messages.join('\n')).toMatch(/give index \(a pattern\) or index_field/);
  });
});

describe('syslog_output', () => {
  it('must publish _ppf_errors, like elasticsearch_output', () => {
    const text = `version: "6.0"
dag:
  - type: kafka_input
    component: in
    settings: {brokers: ["127.0.0.1:9092"], topic: logs}
    publish:
      - stream: logs
        fields: [log]
  - type: syslog_output
    component: forward
    settings:
      destinations: [{host: siem.example.com, port: 2514, protocol: relp}]
      format: raw
    subscribe:
      - {component: in, stream: logs}
`;
    const result = parsePipeline(text, { file: 'p.yaml' });
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.issues.map(formatIssue).join('\n')).toMatch(
      /p\.yaml:9:\d+: .*syslog_output must publish _ppf_errors/,
    );
  });
});
