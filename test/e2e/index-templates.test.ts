/**
 * Index templates as channel resources, with real processes and the real search node: a
 * controller given the node as its `es_search` cluster, a runner, and the shipped processor
 * channel (its application replaced by idle-app, its template renamed for this run, since the
 * dev node is shared). The controller creates the template before the processor is placed, finds
 * it present on the next start, reports a changed file as a mismatch (the node keeps its
 * template) until `overwrite: true` replaces it, and reports what the node refuses as an error
 * with its reason while the channel waits for it.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChannelView } from '@drover/cluster-state';
import { DECLARATION_META_KEY, type IndexTemplateBody, templateDigest } from '@drover/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, idleChannelCopy, TestCluster } from '../support/cluster.js';
import { uniqueSuffix } from '../support/kafka.js';
import { searchRequest } from '../support/search.js';
import { droverServices } from '../support/services.js';

let cluster: TestCluster;
let channelsDir: string;
let node: string;
const suffix = uniqueSuffix();
const NAME = `reftenant-logs-${suffix}`;
const PATTERN = `e2e-tpl-${suffix}-*`;

/** The channel's template file, retargeted at this run's indices. */
function templateOf(tenant: string): { file: string; body: IndexTemplateBody } {
  const file = join(channelsDir, tenant, 'processor', 'templates', 'reftenant-logs.json');
  return { file, body: JSON.parse(readFileSync(file, 'utf8')) as IndexTemplateBody };
}

function writeTemplate(
  tenant: string,
  change: (body: IndexTemplateBody) => IndexTemplateBody,
): IndexTemplateBody {
  const { file, body } = templateOf(tenant);
  const next = change(body);
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
  return next;
}

function editStructure(tenant: string, edit: (text: string) => string): void {
  const file = join(channelsDir, tenant, 'processor', 'channel_structure.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

const templateView = (v: ChannelView) => v.resources.find((r) => r.type === 'elasticsearch_index_template');

async function onNode(name: string): Promise<IndexTemplateBody | undefined> {
  const r = await searchRequest(node, 'GET', `/_index_template/${name}`);
  if (r.status === 404) return undefined;
  const found = (r.body.index_templates as { name: string; index_template: IndexTemplateBody }[])[0];
  return found?.index_template;
}

const start = (ref: string, wait = true) =>
  cluster.channelctl([
    '--channels-dir',
    channelsDir,
    'start',
    ref,
    ...(wait ? ['--wait', '--timeout', '60'] : []),
  ]);

beforeAll(async () => {
  const { etcd, kafka, search } = droverServices('etcd', 'kafka', 'search');
  node = search.nodes[0] as string;
  cluster = new TestCluster({ etcd: etcd.endpoints, kafka: kafka.brokers, search: search.nodes });
  channelsDir = join(cluster.dir, 'channels');
  idleChannelCopy(channelsDir, 'reftenant', 'processor', (s) =>
    s.replace('name: reftenant-logs\n', `name: ${NAME}\n`),
  );
  writeTemplate('reftenant', (b) => ({ ...b, index_patterns: [PATTERN] }));
  await cluster.startController('controller-a');
  await cluster.startRunner('back1', ['back']);
});

afterAll(async () => {
  await cluster?.stop();
  for (const name of [NAME, `${NAME}-refused`])
    await searchRequest(node, 'DELETE', `/_index_template/${name}`);
});

describe('elasticsearch_index_template resources (real controller, runner and search node)', () => {
  it('creates the template on the search node and runs the processor; indices take its mapping', async () => {
    const result = await start('reftenant/processor');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const v = await cluster.status('reftenant/processor');
    expect(v.resources).toEqual([
      {
        type: 'kafka_topic',
        name: 'reftenant-processor-errors',
        cluster: 'kafka_front',
        state: expect.stringMatching(/^(created|present)$/),
        error: null,
      },
      {
        type: 'elasticsearch_index_template',
        name: NAME,
        cluster: 'es_search',
        state: 'created',
        error: null,
      },
    ]);
    expect(v.applications[0]?.instances[0]?.state).toBe('running');

    const { body } = templateOf('reftenant');
    const stored = await onNode(NAME);
    expect(stored?.index_patterns).toEqual([PATTERN]);
    expect(stored?._meta?.[DECLARATION_META_KEY]).toBe(templateDigest(body));
    const index = PATTERN.replace('*', 'linux_os-2026.11.29');
    expect(
      (await searchRequest(node, 'PUT', `/${index}/_doc/1?refresh=true`, { device_type: 'linux_os' })).status,
    ).toBe(201);
    const mapping = await searchRequest(node, 'GET', `/${index}/_mapping`);
    expect(JSON.stringify(mapping.body)).toContain('"device_type":{"type":"keyword"}');
    await searchRequest(node, 'DELETE', `/${index}`);

    // As channelctl shows it.
    const human = await cluster.channelctl(['status', 'reftenant/processor']);
    expect(human.stdout).toMatch(/RESOURCE\s+TYPE\s+CLUSTER\s+STATE\s+ERROR/);
    expect(human.stdout).toMatch(
      new RegExp(`${NAME}\\s+elasticsearch_index_template\\s+es_search\\s+created`),
    );
  });

  it('finds it present when the channel starts again', async () => {
    expect(
      (await cluster.channelctl(['stop', 'reftenant/processor', '--wait', '--timeout', '60'])).code,
    ).toBe(0);
    expect((await start('reftenant/processor')).code).toBe(0);
    await eventually(
      async () => templateView(await cluster.status('reftenant/processor'))?.state === 'present',
      30_000,
      'template present',
    );
  });

  it('reports a changed template file as a mismatch and leaves the node alone, until overwrite: true', async () => {
    const before = await onNode(NAME);
    const changed = writeTemplate('reftenant', (b) => ({ ...b, priority: 101 }));
    expect((await start('reftenant/processor')).code).toBe(0);
    await eventually(
      async () => templateView(await cluster.status('reftenant/processor'))?.state === 'mismatch',
      30_000,
      'mismatch reported',
    );
    const v = await cluster.status('reftenant/processor');
    expect(templateView(v)?.error).toBe(
      `index template ${NAME} exists with another declaration: left as it is (overwrite: true replaces it)`,
    );
    // Reported, not blocking: the processor keeps running (the file is not one of its own).
    expect(v.applications[0]?.instances[0]?.state).toBe('running');
    expect(await onNode(NAME)).toEqual(before);

    editStructure('reftenant', (s) => s.replace(`name: ${NAME}\n`, `name: ${NAME}\n    overwrite: true\n`));
    expect((await start('reftenant/processor')).code).toBe(0);
    await eventually(
      async () => templateView(await cluster.status('reftenant/processor'))?.state === 'updated',
      30_000,
      'template replaced',
    );
    const replaced = await onNode(NAME);
    expect(replaced?.priority).toBe(101);
    expect(replaced?._meta?.[DECLARATION_META_KEY]).toBe(templateDigest(changed));
  });

  it("reports the search node's refusal with its reason and holds the channel until the file is fixed", async () => {
    // A second tenant's processor whose template carries a setting the engine does not know.
    cpSync(join(channelsDir, 'reftenant', 'processor'), join(channelsDir, 'refusetenant', 'processor'), {
      recursive: true,
    });
    editStructure('refusetenant', (s) => s.replace(`name: ${NAME}\n`, `name: ${NAME}-refused\n`));
    writeTemplate('refusetenant', (b) => ({
      ...b,
      index_patterns: [`e2e-tpl-refused-${suffix}-*`],
      template: { ...b.template, settings: { 'index.nonsense': 1 } },
    }));
    expect((await start('refusetenant/processor', false)).code).toBe(0);
    await eventually(
      async () => templateView(await cluster.status('refusetenant/processor'))?.state === 'error',
      30_000,
      'refusal reported',
    );
    const v = await cluster.status('refusetenant/processor');
    const error = templateView(v)?.error ?? '';
    expect(error).toMatch(new RegExp(`^put index template ${NAME}-refused: .*index\\.nonsense`));
    expect(v.applications[0]?.instances[0]).toMatchObject({
      state: 'pending',
      runner: null,
      reason: `waiting for elasticsearch_index_template ${NAME}-refused on es_search (error: ${error})`,
    });
    expect(await onNode(`${NAME}-refused`)).toBeUndefined();

    writeTemplate('refusetenant', (b) => ({
      ...b,
      template: { ...b.template, settings: { number_of_shards: 1 } },
    }));
    const fixed = await start('refusetenant/processor');
    expect(fixed.code).toBe(0);
    expect(templateView(await cluster.status('refusetenant/processor'))?.state).toBe('created');
  });
});
