/**
 * From a validated pipeline file to engine nodes: each node type's implementation with its
 * settings (already checked by the channel model's schema), plus what it needs from the
 * platform (Kafka connections by cluster name, the channel directory for shipped files).
 *
 * The outputs with a large client of their own (elasticsearch_output: the OpenSearch client,
 * 3.4 MB of heap; postgresql_output: pg) are imported when a pipeline has one. Every pipeline
 * runs under a heap cap (the receiver's is 96 MB); what it loads and never uses is room the GC
 * does not have (measured with `node --expose-gc` around each import).
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  elasticsearchOutputSettings,
  fileInputSettings,
  fileOutputSettings,
  formatIssue,
  generatorInputSettings,
  grokSettings,
  harvestInputSettings,
  kafkaInputSettings,
  kafkaOutputSettings,
  lumberjackInputSettings,
  lumberjackOutputSettings,
  type Pipeline,
  type PipelineNode,
  packSettings,
  parseIndexTemplate,
  postgresqlOutputSettings,
  syslogInputSettings,
  syslogOutputSettings,
  unpackSettings,
} from '@drover/channel-model';
import type { KafkaConnection } from '@drover/kafka-resources';
import type { IndexTemplateBody } from '@drover/search';
import { dataStream, processingNode } from './build-processing.js';
import { type EngineNode, ERRORS_STREAM } from './engine.js';
import { PipelineError } from './errors.js';
import { archivePaths, FileOutput } from './nodes/archive/file-output.js';
import { FileInput } from './nodes/file-input.js';
import { GeneratorInput } from './nodes/generator-input.js';
import { addTag } from './nodes/grok.js';
import { HarvestInput } from './nodes/harvest-input.js';
import { KafkaInput } from './nodes/kafka-input.js';
import { KafkaOutput } from './nodes/kafka-output.js';
import { LumberjackInput } from './nodes/lumberjack-input.js';
import { LumberjackOutput } from './nodes/lumberjack-output.js';
import { Pack, Unpack } from './nodes/pack.js';
import { SyslogInput } from './nodes/syslog-input.js';
import { SyslogOutput } from './nodes/syslog-output.js';
import { ThreadedNode } from './threads/threaded-node.js';
import type { Delivery, Fields, NodeLogger, PipelineNodeImpl } from './types.js';

export interface BuildContext {
  /** Who runs the pipeline: names the default Kafka consumer group. */
  readonly identity?: {
    readonly tenant?: string;
    readonly channel?: string;
    readonly app?: string;
    /** The instance index (`DROVER_INSTANCE` under a runner): names archive writers. */
    readonly instance?: string;
  };
  /** Where the channel's files are (the instance work directory). */
  readonly baseDir: string;
  /** Kafka clusters by name (`kafka_front` -> brokers, TLS, SASL: @drover/platform's kafkaConnections). */
  readonly kafkaClusters: Readonly<Record<string, KafkaConnection>>;
  readonly logger: NodeLogger;
}

/** A file setting (certificate, key) as a path: relative ones are in the channel directory. */
function inChannel(ctx: BuildContext, path: string | undefined): string | undefined {
  return path === undefined ? undefined : resolve(ctx.baseDir, path);
}

/**
 * The Kafka connection of a kafka_output / kafka_input: its `cluster` from the platform (brokers,
 * TLS, SASL), with the node's own `brokers` over the cluster's when both are given; `brokers`
 * alone is a plaintext connection.
 */
function connectionOf(
  settings: { readonly brokers?: readonly string[] | undefined; readonly cluster?: string | undefined },
  ctx: BuildContext,
  component: string,
): KafkaConnection {
  const cluster = settings.cluster === undefined ? undefined : ctx.kafkaClusters[settings.cluster];
  if (settings.brokers !== undefined) return { ...cluster, brokers: settings.brokers };
  if (cluster === undefined) {
    throw new PipelineError(
      `unknown Kafka cluster "${settings.cluster}": declare it under kafka.clusters in the platform file, give --kafka-cluster ${settings.cluster}=HOST:PORT, or brokers`,
      component,
    );
  }
  return cluster;
}

async function implOf(node: PipelineNode, ctx: BuildContext): Promise<PipelineNodeImpl> {
  const log = ctx.logger;
  switch (node.type) {
    case 'lumberjack_input': {
      const settings = lumberjackInputSettings.parse(node.settings);
      return new LumberjackInput(
        {
          ...settings,
          ssl_private_key: inChannel(ctx, settings.ssl_private_key),
          ssl_certificate: inChannel(ctx, settings.ssl_certificate),
          ssl_trusted_certificate: inChannel(ctx, settings.ssl_trusted_certificate),
          ...(settings.spool === undefined
            ? {}
            : { spool: { ...settings.spool, dir: resolve(ctx.baseDir, settings.spool.dir) } }),
        },
        dataStream(node),
        node.component,
      );
    }
    case 'syslog_input': {
      const settings = syslogInputSettings.parse(node.settings);
      const listeners = settings.listeners.map((l) => ({
        ...l,
        ssl_private_key: inChannel(ctx, l.ssl_private_key),
        ssl_certificate: inChannel(ctx, l.ssl_certificate),
        ssl_trusted_certificate: inChannel(ctx, l.ssl_trusted_certificate),
      }));
      const spool =
        settings.spool === undefined
          ? undefined
          : { ...settings.spool, dir: resolve(ctx.baseDir, settings.spool.dir) };
      return new SyslogInput(
        { ...settings, listeners, ...(spool === undefined ? {} : { spool }) },
        dataStream(node),
        node.publish.some((p) => p.stream === ERRORS_STREAM),
        node.component,
      );
    }
    case 'kafka_output': {
      const settings = kafkaOutputSettings.parse(node.settings);
      return new KafkaOutput(settings, connectionOf(settings, ctx, node.component), log);
    }
    case 'kafka_input': {
      const settings = kafkaInputSettings.parse(node.settings);
      const id = ctx.identity ?? {};
      const group =
        settings.group_id ??
        [id.tenant ?? 'tenant', id.channel ?? 'channel', id.app ?? 'app', node.component].join('.');
      return new KafkaInput(settings, connectionOf(settings, ctx, node.component), group, dataStream(node));
    }
    case 'generator_input':
      return new GeneratorInput(generatorInputSettings.parse(node.settings), dataStream(node));
    case 'file_input': {
      const settings = fileInputSettings.parse(node.settings);
      return new FileInput(settings, dataStream(node), {
        file: resolve(ctx.baseDir, settings.path),
        offsetFile: resolve(ctx.baseDir, settings.offset_file ?? `${node.component}.offset`),
      });
    }
    case 'lumberjack_output': {
      const settings = lumberjackOutputSettings.parse(node.settings);
      const destinations = settings.destinations.map((d) => ({
        ...d,
        ssl_private_key: inChannel(ctx, d.ssl_private_key),
        ssl_certificate: inChannel(ctx, d.ssl_certificate),
        ssl_trusted_certificate: inChannel(ctx, d.ssl_trusted_certificate),
      }));
      return new LumberjackOutput({ ...settings, destinations }, log);
    }
    case 'elasticsearch_output': {
      const settings = elasticsearchOutputSettings.parse(node.settings);
      // Loaded here, not with the package: the search client is 3.4 MB of heap, which every
      // other pipeline would carry (see the module's docstring).
      const { connectSearch } = await import('@drover/search');
      const { ElasticsearchOutput } = await import('./nodes/elasticsearch-output.js');
      const file = (path: string | undefined) => {
        const at = inChannel(ctx, path);
        return at === undefined ? undefined : readFileSync(at);
      };
      const ca = file(settings.ssl_trusted_certificate);
      const cert = file(settings.ssl_certificate);
      const key = file(settings.ssl_private_key);
      const client = connectSearch({
        nodes: settings.hosts,
        compression: settings.compression === 'gzip',
        requestTimeoutMs: settings.request_timeout_ms,
        ...(settings.credentials === undefined
          ? {}
          : { auth: { username: settings.credentials.user, password: settings.credentials.password } }),
        ...(ca === undefined && cert === undefined
          ? {}
          : {
              tls: {
                ...(ca === undefined ? {} : { ca }),
                ...(cert === undefined ? {} : { cert }),
                ...(key === undefined ? {} : { key }),
              },
            }),
      });
      let template: IndexTemplateBody | undefined;
      if (settings.template !== undefined) {
        const at = resolve(ctx.baseDir, settings.template.file);
        // The same checks as an elasticsearch_index_template resource's file (channel-model).
        let problem: string | undefined;
        try {
          const parsed = parseIndexTemplate(readFileSync(at, 'utf8'), at);
          if (parsed.ok) template = parsed.value;
          else problem = parsed.issues.map(formatIssue).join('; ');
        } catch (err) {
          problem = `template file ${at}: ${(err as Error).message}`;
        }
        if (problem !== undefined) {
          await client.close();
          throw new PipelineError(problem, node.component);
        }
      }
      try {
        return new ElasticsearchOutput(settings, client, log, template);
      } catch (err) {
        await client.close();
        throw err;
      }
    }
    case 'syslog_output': {
      const settings = syslogOutputSettings.parse(node.settings);
      const destinations = settings.destinations.map((d) => ({
        ...d,
        ssl_private_key: inChannel(ctx, d.ssl_private_key),
        ssl_certificate: inChannel(ctx, d.ssl_certificate),
        ssl_trusted_certificate: inChannel(ctx, d.ssl_trusted_certificate),
      }));
      return new SyslogOutput({ ...settings, destinations }, log);
    }
    case 'pack':
      return new Pack(packSettings.parse(node.settings), dataStream(node));
    case 'unpack':
      return new Unpack(unpackSettings.parse(node.settings), dataStream(node));
    case 'format_switch':
    case 'syslog_header':
    case 'enrich':
    case 'dispatch':
    case 'function':
    case 'grok':
      return processingOf(node, ctx);
    case 'harvest_input': {
      const settings = harvestInputSettings.parse(node.settings);
      const dir = resolve(ctx.baseDir, settings.directory);
      return new HarvestInput(settings, dataStream(node), {
        dir,
        doneDir: resolve(dir, settings.done_directory ?? 'done'),
        stateFile: resolve(ctx.baseDir, settings.state_file ?? `${node.component}.harvest.json`),
      });
    }
    case 'postgresql_output': {
      const settings = postgresqlOutputSettings.parse(node.settings);
      // Loaded here, as the search client above: pg and its COPY stream.
      const { PostgresqlOutput } = await import('./nodes/postgres/postgresql-output.js');
      const passwordFile = inChannel(ctx, settings.password_file);
      return new PostgresqlOutput(settings, log, passwordFile === undefined ? {} : { passwordFile });
    }
    case 'file_output': {
      const settings = fileOutputSettings.parse(node.settings);
      const id = ctx.identity ?? {};
      const writer = settings.writer_id ?? `${id.app ?? node.component}-${id.instance ?? '0'}`;
      return new FileOutput(settings, log, archivePaths(ctx.baseDir, settings, node.component, writer));
    }
    default:
      throw new PipelineError(`node type ${node.type} is not implemented yet`, node.component);
  }
}

/**
 * A processing node as its settings say: on the pipeline's thread, or (`workers` > 0; grok always)
 * on worker threads, where it is built again from the same spec (threads/node-worker.ts).
 */
async function processingOf(node: PipelineNode, ctx: BuildContext): Promise<PipelineNodeImpl> {
  const t = node.settings as { workers?: number; ordered?: boolean; timeout_ms?: number };
  const grok = node.type === 'grok' ? grokSettings.parse(node.settings) : undefined;
  const workers = grok?.workers ?? t.workers ?? 0;
  // Built here first even when threaded: a bad setting or pattern fails the start, with its name.
  const local = await processingNode(node, ctx.baseDir);
  if (workers === 0) return local;
  const stream = dataStream(node);
  return ThreadedNode.start(
    {
      type: node.type,
      component: node.component,
      settings: node.settings,
      publish: node.publish,
      baseDir: ctx.baseDir,
    },
    {
      workers,
      ordered: grok?.ordered ?? t.ordered ?? true,
      timeoutMs: grok?.timeout_ms ?? t.timeout_ms,
      ...(grok === undefined
        ? {}
        : {
            // A line that made grok backtrack too long flows on, tagged, like one no pattern matched.
            onTimeout: (event: Delivery) => {
              const fields: Fields = { ...event.fields };
              addTag(fields, grok.tags_field, grok.tag_on_timeout);
              return { emits: [[stream, fields]] };
            },
          }),
    },
    ctx.logger,
  );
}

export async function buildPipeline(pipeline: Pipeline, ctx: BuildContext): Promise<EngineNode[]> {
  const nodes: EngineNode[] = [];
  for (const node of pipeline.dag) {
    try {
      nodes.push({
        component: node.component,
        impl: await implOf(node, ctx),
        publish: node.publish,
        subscribe: node.subscribe,
      });
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      throw new PipelineError((err as Error).message, node.component, { cause: err });
    }
  }
  return nodes;
}
