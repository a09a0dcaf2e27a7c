/**
 * Malformed input, one case per rule: each asserts the message, the line, the column and the
 * field path of the issue an operator would see.
 */
import { describe, expect, it } from 'vitest';
import { parseChannelStructure } from './channel-structure.js';
import type { Issue, ParseResult } from './issues.js';
import { parsePipeline } from './pipeline.js';
import { parsePlatformConfig } from './platform-config.js';

const channel = (apps: string, resources = '') =>
  `version: "6.0"\napplications:\n${apps}${resources === '' ? '' : `resources:\n${resources}`}`;

const app = (extra = '', name = 'input') =>
  `  - name: ${name}\n    cluster: common\n    command: punchlinectl\n    args: [start, --punchline, p.yaml]\n${extra}`;

const topic = (extra = '', name = 't1') =>
  `  - type: kafka_topic\n    cluster: kafka_front\n    name: ${name}\n    partitions: 1\n    replication_factor: 1\n${extra}`;

const indexTemplate = (extra = '', name = 'logs') =>
  `  - type: elasticsearch_index_template\n    cluster: search_front\n    name: ${name}\n    file: templates/logs.json\n${extra}`;

const pipeline = (dag: string) => `version: "6.0"\ndag:\n${dag}`;
const input = (extra = '') =>
  `  - type: lumberjack_input\n    component: in\n    publish:\n      - stream: logs\n        fields: [log]\n${extra}`;
const output = (subs: string, extra = '') =>
  `  - type: kafka_output\n    component: out\n    subscribe:\n${subs}${extra}`;

interface Case {
  name: string;
  parse: (text: string) => ParseResult<unknown>;
  text: string;
  line: number;
  column: number;
  path: string;
  message: string | RegExp;
}

const structure = (text: string) => parseChannelStructure(text, { file: 'channel_structure.yaml' });
const named = (tenant: string, channelName: string) => (text: string) =>
  parseChannelStructure(text, { file: 'channel_structure.yaml', tenant, channel: channelName });
const pipe = (text: string) => parsePipeline(text, { file: 'p.yaml' });
const platform = (text: string) => parsePlatformConfig(text, { file: 'drover.yaml' });

export const cases: Case[] = [
  // --- YAML itself
  {
    name: 'YAML syntax error',
    parse: structure,
    text: 'version: "6.0"\napplications: [\n',
    line: 3,
    column: 1,
    path: '',
    message: /flow sequence/i,
  },
  {
    name: 'duplicate YAML key',
    parse: structure,
    text: 'version: "6.0"\nversion: "6.1"\n',
    line: 2,
    column: 1,
    path: '',
    message: 'duplicate key',
  },
  {
    name: 'tab indentation',
    parse: structure,
    text: 'version: "6.0"\napplications:\n\t- name: x\n',
    line: 3,
    column: 1,
    path: '',
    message: /tab/i,
  },
  // --- channel_structure: unknown fields and types
  {
    name: 'unknown top-level field',
    parse: structure,
    text: 'version: "6.0"\nstart_by_tenantt: true\n',
    line: 2,
    column: 1,
    path: 'start_by_tenantt',
    message: 'unknown field "start_by_tenantt"',
  },
  {
    name: 'unknown application field',
    parse: structure,
    text: channel(app('    memory: 1Gi\n')),
    line: 7,
    column: 5,
    path: 'applications[0].memory',
    message: 'unknown field "memory"',
  },
  {
    name: 'unknown resource field',
    parse: structure,
    text: channel(app(), topic('    retention: 1d\n')),
    line: 13,
    column: 5,
    path: 'resources[0].retention',
    message: 'unknown field "retention"',
  },
  {
    name: 'missing version',
    parse: structure,
    text: 'applications: []\n',
    line: 1,
    column: 1,
    path: 'version',
    message: 'required field is missing',
  },
  {
    name: 'missing command',
    parse: structure,
    text: channel('  - name: input\n    cluster: common\n'),
    line: 3,
    column: 5,
    path: 'applications[0].command',
    message: 'required field is missing',
  },
  {
    name: 'args not a list',
    parse: structure,
    text: channel('  - name: input\n    cluster: common\n    command: punchlinectl\n    args: start\n'),
    line: 6,
    column: 11,
    path: 'applications[0].args',
    message: /expected array/,
  },
  {
    name: 'start_by_tenant not boolean',
    parse: structure,
    text: 'version: "6.0"\nstart_by_tenant: yes please\n',
    line: 2,
    column: 18,
    path: 'start_by_tenant',
    message: /expected boolean/,
  },
  // --- names
  {
    name: 'application name with a slash',
    parse: structure,
    text: channel(app('', 'a/b')),
    line: 3,
    column: 11,
    path: 'applications[0].name',
    message: 'plain identifier',
  },
  {
    name: 'application name ..',
    parse: structure,
    text: channel(app('', '".."')),
    line: 3,
    column: 11,
    path: 'applications[0].name',
    message: 'plain identifier',
  },
  {
    name: 'application name with a space',
    parse: structure,
    text: channel(app('', '"has space"')),
    line: 3,
    column: 11,
    path: 'applications[0].name',
    message: 'plain identifier',
  },
  {
    name: 'runner tag with a slash',
    parse: structure,
    text: channel(app('    shiva_runner_tags: [front/1]\n')),
    line: 7,
    column: 25,
    path: 'applications[0].shiva_runner_tags[0]',
    message: 'plain identifier',
  },
  {
    name: 'tenant from a bad directory name',
    parse: named('ref tenant', 'receiver'),
    text: channel(app()),
    line: 1,
    column: 1,
    path: '',
    message: 'tenant name "ref tenant"',
  },
  {
    name: 'channel from a bad directory name',
    parse: named('reftenant', '..'),
    text: channel(app()),
    line: 1,
    column: 1,
    path: '',
    message: 'channel name ".."',
  },
  {
    name: 'duplicate application name',
    parse: structure,
    text: channel(app() + app()),
    line: 7,
    column: 11,
    path: 'applications[1].name',
    message: 'duplicate application name "input" (first at line 3)',
  },
  {
    name: 'duplicate resource',
    parse: structure,
    text: channel(app(), topic() + topic()),
    line: 15,
    column: 11,
    path: 'resources[1].name',
    message: 'duplicate kafka_topic "t1" (first at line 10): a channel declares each once',
  },
  // --- command
  {
    name: 'command is an absolute path',
    parse: structure,
    text: channel(app().replace('punchlinectl', '/usr/bin/rm')),
    line: 5,
    column: 14,
    path: 'applications[0].command',
    message: 'command "/usr/bin/rm": must be a bare command name',
  },
  {
    name: 'command climbs with ..',
    parse: structure,
    text: channel(app().replace('punchlinectl', '../bin/x')),
    line: 5,
    column: 14,
    path: 'applications[0].command',
    message: "runner's allow-list",
  },
  {
    name: 'command with shell text',
    parse: structure,
    text: channel(app().replace('punchlinectl', '"x; rm -rf /"')),
    line: 5,
    column: 14,
    path: 'applications[0].command',
    message: 'not a path or shell text',
  },
  {
    name: 'punchlinectl without --punchline',
    parse: structure,
    text: channel(app().replace('[start, --punchline, p.yaml]', '[start]')),
    line: 6,
    column: 11,
    path: 'applications[0].args',
    message: 'needs "--punchline FILE"',
  },
  {
    name: 'pipeline path outside the channel',
    parse: structure,
    text: channel(app().replace('p.yaml', '../x.yaml')),
    line: 6,
    column: 32,
    path: 'applications[0].args[2]',
    message: 'inside the channel directory',
  },
  // --- runtime, instances, memory, durations, schedule, resources
  {
    name: 'runtime and type together',
    parse: structure,
    text: channel(app('    runtime: shiva\n    type: shiva\n')),
    line: 8,
    column: 11,
    path: 'applications[0].type',
    message: 'not both',
  },
  {
    name: 'runtime other than shiva',
    parse: structure,
    text: channel(app('    runtime: storm\n')),
    line: 7,
    column: 14,
    path: 'applications[0].runtime',
    message: 'runtime must be "shiva"',
  },
  {
    name: 'instances 0',
    parse: structure,
    text: channel(app('    instances: 0\n')),
    line: 7,
    column: 16,
    path: 'applications[0].instances',
    message: 'instances must be at least 1',
  },
  {
    name: 'instances -1',
    parse: structure,
    text: channel(app('    instances: -1\n')),
    line: 7,
    column: 16,
    path: 'applications[0].instances',
    message: 'instances must be at least 1',
  },
  {
    name: 'instances 1.5',
    parse: structure,
    text: channel(app('    instances: 1.5\n')),
    line: 7,
    column: 16,
    path: 'applications[0].instances',
    message: 'whole number',
  },
  {
    name: 'memory unit unknown',
    parse: structure,
    text: channel(app('    memory_limit: 12Xi\n')),
    line: 7,
    column: 19,
    path: 'applications[0].memory_limit',
    message: 'invalid memory quantity "12Xi"',
  },
  {
    name: 'memory negative',
    parse: structure,
    text: channel(app('    memory_limit: -1Mi\n')),
    line: 7,
    column: 19,
    path: 'applications[0].memory_limit',
    message: 'invalid memory quantity "-1Mi"',
  },
  {
    name: 'memory unit alone',
    parse: structure,
    text: channel(app('    memory_limit: Mi\n')),
    line: 7,
    column: 19,
    path: 'applications[0].memory_limit',
    message: 'invalid memory quantity "Mi"',
  },
  {
    name: 'restart duration without unit',
    parse: structure,
    text: channel(app('    restart:\n      initial: 10\n')),
    line: 8,
    column: 16,
    path: 'applications[0].restart.initial',
    message: 'invalid duration "10"',
  },
  {
    name: 'unknown restart field',
    parse: structure,
    text: channel(app('    restart:\n      backoff: 1s\n')),
    line: 8,
    column: 7,
    path: 'applications[0].restart.backoff',
    message: 'unknown field "backoff"',
  },
  {
    name: 'quartz schedule with 5 fields',
    parse: structure,
    text: channel(app('    quartzcron_schedule: "* * * * *"\n')),
    line: 7,
    column: 26,
    path: 'applications[0].quartzcron_schedule',
    message: '6 or 7 fields',
  },
  {
    name: 'shipped resource with ..',
    parse: structure,
    text: channel(app('    resources: [../secrets.json]\n')),
    line: 7,
    column: 17,
    path: 'applications[0].resources[0]',
    message: 'relative path inside the channel directory',
  },
  {
    name: 'shipped resource absolute',
    parse: structure,
    text: channel(app('    resources: [/etc/passwd]\n')),
    line: 7,
    column: 17,
    path: 'applications[0].resources[0]',
    message: 'no leading "/"',
  },
  {
    name: 'env name invalid',
    parse: structure,
    text: channel(app('    env:\n      1BAD: x\n')),
    line: 8,
    column: 7,
    path: 'applications[0].env.1BAD',
    message: 'invalid key "1BAD": environment variable names',
  },
  {
    name: 'unknown resource type',
    parse: structure,
    text: channel(app(), topic().replace('kafka_topic', 'elasticsearch_index')),
    line: 8,
    column: 11,
    path: 'resources[0].type',
    message:
      'unsupported resource type "elasticsearch_index": supported types are kafka_topic, elasticsearch_index_template',
  },
  {
    name: 'resource without a type',
    parse: structure,
    text: channel(app(), topic().replace('type: kafka_topic', 'kind: kafka_topic')),
    line: 8,
    column: 5,
    path: 'resources[0].type',
    message: 'required field is missing',
  },
  {
    name: 'a topic on two clusters: one state record per name',
    parse: structure,
    text: channel(app(), topic() + topic().replace('kafka_front', 'kafka_back')),
    line: 15,
    column: 11,
    path: 'resources[1].name',
    message: 'duplicate kafka_topic "t1" (first at line 10)',
  },
  {
    name: 'index template name with capitals',
    parse: structure,
    text: channel(app(), indexTemplate('', 'Logs')),
    line: 10,
    column: 11,
    path: 'resources[0].name',
    message: 'invalid index template name: must be lowercase letters',
  },
  {
    name: 'index template without its file',
    parse: structure,
    text: channel(app(), indexTemplate().replace('    file: templates/logs.json\n', '')),
    line: 8,
    column: 5,
    path: 'resources[0].file',
    message: 'required field is missing',
  },
  {
    name: 'index template file outside the channel',
    parse: structure,
    text: channel(app(), indexTemplate().replace('templates/logs.json', '../other/logs.json')),
    line: 11,
    column: 11,
    path: 'resources[0].file',
    message: 'must be a relative path inside the channel directory',
  },
  {
    name: 'index template with a topic field',
    parse: structure,
    text: channel(app(), indexTemplate('    partitions: 1\n')),
    line: 12,
    column: 5,
    path: 'resources[0].partitions',
    message: 'unknown field "partitions"',
  },
  {
    name: 'bad topic name',
    parse: structure,
    text: channel(app(), topic('', '"bad topic"')),
    line: 10,
    column: 11,
    path: 'resources[0].name',
    message: 'invalid Kafka topic name',
  },
  {
    name: 'partitions 0',
    parse: structure,
    text: channel(app(), topic().replace('partitions: 1', 'partitions: 0')),
    line: 11,
    column: 17,
    path: 'resources[0].partitions',
    message: 'partitions must be at least 1',
  },
  // --- pipelines
  {
    name: 'unknown node type',
    parse: pipe,
    text: pipeline(input().replace('lumberjack_input', 'punchlet_node')),
    line: 3,
    column: 11,
    path: 'dag[0].type',
    message: 'unknown node type "punchlet_node": known types are lumberjack_input',
  },
  {
    name: 'unknown node field',
    parse: pipe,
    text: pipeline(input('    executors: 2\n')),
    line: 8,
    column: 5,
    path: 'dag[0].executors',
    message: 'unknown field "executors"',
  },
  {
    name: 'subscribe to a missing component',
    parse: pipe,
    text: pipeline(input() + output('      - component: nowhere\n        stream: logs\n')),
    line: 11,
    column: 20,
    path: 'dag[1].subscribe[0].component',
    message: 'no component named "nowhere"',
  },
  {
    name: 'subscribe to an unpublished stream',
    parse: pipe,
    text: pipeline(input() + output('      - component: in\n        stream: metrics\n')),
    line: 12,
    column: 17,
    path: 'dag[1].subscribe[0].stream',
    message: 'component "in" does not publish stream "metrics"',
  },
  {
    name: 'output that publishes a data stream',
    parse: pipe,
    text: pipeline(
      input() +
        output(
          '      - component: in\n        stream: logs\n',
          '    publish:\n      - stream: copy\n        fields: [log]\n',
        ),
    ),
    line: 14,
    column: 17,
    path: 'dag[1].publish[0].stream',
    message: 'is an output: it publishes only _ppf_errors',
  },
  {
    name: 'duplicate component',
    parse: pipe,
    text: pipeline(input() + input()),
    line: 9,
    column: 16,
    path: 'dag[1].component',
    message: 'duplicate component "in"',
  },
  {
    name: 'input that subscribes',
    parse: pipe,
    text: pipeline(input('    subscribe:\n      - component: in\n        stream: logs\n')),
    line: 9,
    column: 7,
    path: 'dag[0].subscribe',
    message: 'is an input: it subscribes to nothing',
  },
  {
    name: 'cycle',
    parse: pipe,
    text: pipeline(
      `${input()}  - type: enrich\n    component: a\n    subscribe:\n      - {component: in, stream: logs}\n      - {component: b, stream: s}\n    publish:\n      - {stream: s, fields: [x]}\n` +
        '  - type: dispatch\n    component: b\n    subscribe:\n      - {component: a, stream: s}\n    publish:\n      - {stream: s, fields: [x]}\n',
    ),
    line: 9,
    column: 16,
    path: 'dag[1].component',
    message: 'cycle in the pipeline: a -> b -> a',
  },
  {
    name: 'unknown reserved stream',
    parse: pipe,
    text: pipeline(input('      - stream: _ppf_debug\n        fields: [x]\n')),
    line: 8,
    column: 17,
    path: 'dag[0].publish[1].stream',
    message: 'unknown reserved stream "_ppf_debug"',
  },
  {
    name: '_ppf_errors without the error fields',
    parse: pipe,
    text: pipeline(input('      - stream: _ppf_errors\n        fields: [_ppf_id, _ppf_error_message]\n')),
    line: 9,
    column: 17,
    path: 'dag[0].publish[1].fields',
    message: 'stream _ppf_errors must carry _ppf_error_document',
  },
  {
    name: 'error field on a normal stream',
    parse: pipe,
    text: pipeline(input().replace('fields: [log]', 'fields: [log, _ppf_error_message]')),
    line: 7,
    column: 23,
    path: 'dag[0].publish[0].fields[1]',
    message: '_ppf_error_message belongs to the _ppf_errors stream only',
  },
  {
    name: 'unknown reserved field',
    parse: pipe,
    text: pipeline(input().replace('fields: [log]', 'fields: [log, _ppf_secret]')),
    line: 7,
    column: 23,
    path: 'dag[0].publish[0].fields[1]',
    message: 'unknown reserved field "_ppf_secret"',
  },
  {
    name: 'empty dag',
    parse: pipe,
    text: 'version: "6.0"\ndag: []\n',
    line: 2,
    column: 6,
    path: 'dag',
    message: 'at least one node',
  },
  // --- platform configuration
  {
    name: 'unknown platform section',
    parse: platform,
    text: 'etcd:\n  endpoints: [http://127.0.0.1:2379]\nzookeeper: {}\n',
    line: 3,
    column: 1,
    path: 'zookeeper',
    message: 'unknown field "zookeeper"',
  },
  {
    name: 'etcd endpoint not a URL',
    parse: platform,
    text: 'etcd:\n  endpoints: [127.0.0.1:2379]\n',
    line: 2,
    column: 15,
    path: 'etcd.endpoints[0]',
    message: 'expected an http:// or https:// URL',
  },
  {
    name: 'Kafka broker without port',
    parse: platform,
    text: 'kafka:\n  clusters:\n    kafka_front:\n      brokers: [kafka1]\n',
    line: 4,
    column: 17,
    path: 'kafka.clusters.kafka_front.brokers[0]',
    message: 'expected HOST:PORT',
  },
  {
    name: 'search node not a URL',
    parse: platform,
    text: 'search:\n  clusters:\n    search_front:\n      nodes: [127.0.0.1:9200]\n',
    line: 4,
    column: 15,
    path: 'search.clusters.search_front.nodes[0]',
    message: 'expected an http:// or https:// URL',
  },
  {
    name: 'search cluster with a password in clear',
    parse: platform,
    text: 'search:\n  clusters:\n    search_front:\n      nodes: [http://s:9200]\n      auth: { username: drover, password: secret }\n',
    line: 5,
    column: 33,
    path: 'search.clusters.search_front.auth.password',
    message: 'unknown field "password"',
  },
  {
    name: 'Kafka client certificate without its key',
    parse: platform,
    text: 'kafka:\n  clusters:\n    kafka_front:\n      brokers: [k1:9093]\n      tls:\n        cert: client.pem\n',
    line: 6,
    column: 9,
    path: 'kafka.clusters.kafka_front.tls',
    message: 'give cert and key together (a client certificate and its private key)',
  },
  {
    name: 'Kafka SASL mechanism Drover does not speak',
    parse: platform,
    text: 'kafka:\n  clusters:\n    kafka_front:\n      brokers: [k1:9093]\n      sasl:\n        mechanism: GSSAPI\n        username: drover\n        password_file: pw\n',
    line: 6,
    column: 20,
    path: 'kafka.clusters.kafka_front.sasl.mechanism',
    message: /PLAIN.*SCRAM-SHA-256.*SCRAM-SHA-512/,
  },
  {
    name: 'Kafka SASL password written into the platform file',
    parse: platform,
    text: 'kafka:\n  clusters:\n    kafka_front:\n      brokers: [k1:9093]\n      sasl:\n        mechanism: PLAIN\n        username: drover\n        password: secret\n',
    line: 8,
    column: 19,
    path: 'kafka.clusters.kafka_front.sasl.password',
    message: 'the password is read from a file: put it in one and give password_file',
  },
  {
    name: 'runner default memory limit bad unit',
    parse: platform,
    text: 'runner:\n  default_memory_limit: 1GB\n',
    line: 2,
    column: 25,
    path: 'runner.default_memory_limit',
    message: 'invalid memory quantity "1GB"',
  },
  {
    name: 'unknown runner field',
    parse: platform,
    text: 'runner:\n  tag: [front]\n',
    line: 2,
    column: 3,
    path: 'runner.tag',
    message: 'unknown field "tag"',
  },
];

describe('malformed input', () => {
  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name', (c) => {
    const result = c.parse(c.text);
    expect(result.ok).toBe(false);
    const issues = result.issues as readonly Issue[];
    const match = issues.find((i) =>
      typeof c.message === 'string' ? i.message.includes(c.message) : c.message.test(i.message),
    );
    expect(
      match,
      `no issue matching ${String(c.message)} in ${JSON.stringify(issues, null, 1)}`,
    ).toBeDefined();
    expect({ line: match?.line, column: match?.column, path: match?.path }).toEqual({
      line: c.line,
      column: c.column,
      path: c.path,
    });
  });

  it('reports every problem at once, in file order', () => {
    const result = structure(channel(app('    instances: 0\n    memory_limit: 12Xi\n', 'a/b')));
    expect(result.ok).toBe(false);
    expect(result.issues.map((i) => i.path)).toEqual([
      'applications[0].name',
      'applications[0].instances',
      'applications[0].memory_limit',
    ]);
  });
});
