import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { formatIssue, PIPELINE_V8_FLAGS, parseDuration, parsePipeline } from '@drover/channel-model';
import { buildPipeline, Engine } from '@drover/pipeline';
import {
  ConfigError,
  commanderExitCode,
  createLogger,
  ExitCode,
  exitOnFatal,
  kafkaConnections,
  parseHostPort,
  readPlatformConfig,
} from '@drover/platform';
import { setLongInterval } from '@drover/timers';
import { Command, Option } from 'commander';
import { defaultDrainMs } from './drain.js';
import { nodeMetrics, prometheus } from './metrics.js';
import { signalReady } from './ready.js';
import { type ComponentKind, componentKind, inputTotals, StatsHistory, statsJson } from './stats-history.js';

// When V8 starts marking the old generation: see PIPELINE_V8_FLAGS (a pipeline under a small heap
// cap otherwise marks without pause).
for (const flag of PIPELINE_V8_FLAGS) setFlagsFromString(flag);

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const program = new Command('punchlinectl').description('Runs pipelines.').version(VERSION).exitOverride();

interface StartFlags {
  punchline: string;
  tenant?: string;
  channel?: string;
  app?: string;
  childopts?: string;
  config?: string;
  kafkaCluster?: string[];
  metricsListen?: string;
  metricsInterval: string;
  drainTimeout?: string;
}

program
  .command('start')
  .description(
    'validate and run a pipeline until SIGTERM (then drain: exit 0 when every event was confirmed)',
  )
  .requiredOption('--punchline <file>', 'the pipeline file')
  .option('--tenant <tenant>')
  .option('--channel <channel>')
  .option('--app <app>')
  .option(
    '--childopts <opts>',
    'Punch JVM options; the runner maps -Xmx onto the Node heap (accepted, unused here)',
  )
  .addOption(new Option('--config <file>', 'platform file (Kafka clusters by name)').env('DROVER_CONFIG'))
  .addOption(
    new Option('--kafka-cluster <name=host:port,...>', 'a Kafka cluster by name; repeatable')
      .env('DROVER_KAFKA_CLUSTERS')
      .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(';')]),
  )
  .option('--metrics-listen <host:port>', 'serve Prometheus metrics there')
  .option('--metrics-interval <duration>', 'log the counters this often', '30s')
  .option(
    '--drain-timeout <duration>',
    'on SIGTERM, wait this long for events in flight (default 30s, or 2s less than the ' +
      "runner's SIGTERM-to-SIGKILL grace, DROVER_STOP_GRACE_MS, when shorter)",
  )
  .action(async (flags: StartFlags) => {
    process.exitCode = await start(flags);
  });

function duration(value: string, flag: string): number {
  const parsed = parseDuration(value);
  if ('error' in parsed) throw new ConfigError(flag, `${flag}: ${parsed.error}`);
  return parsed.ms;
}

async function start(flags: StartFlags): Promise<number> {
  const logger = createLogger('punchlinectl').child({
    ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
    ...(flags.channel === undefined ? {} : { channel: flags.channel }),
    ...(flags.app === undefined ? {} : { app: flags.app }),
  });
  const file = resolve(flags.punchline);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`punchlinectl: cannot read ${flags.punchline}: ${(err as Error).message}\n`);
    return ExitCode.FAILURE;
  }
  const parsed = parsePipeline(text, { file: flags.punchline });
  if (!parsed.ok) {
    for (const issue of parsed.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    return ExitCode.FAILURE;
  }
  const pipeline = parsed.value;
  try {
    const platform = await readPlatformConfig(flags.config);
    const kafkaClusters = await kafkaConnections(platform, {
      ...(flags.kafkaCluster === undefined ? {} : { flags: flags.kafkaCluster }),
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
    });
    // Validated and defaulted by the pipeline schema (pipelineSettingsSchema).
    const maxPending = pipeline.settings['max.spout.pending'];
    const messageTimeoutMs = pipeline.settings.message_timeout;
    const identity = {
      ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
      ...(flags.channel === undefined ? {} : { channel: flags.channel }),
      ...(flags.app === undefined ? {} : { app: flags.app }),
      // Runners give each instance its index.
      ...(process.env.DROVER_INSTANCE === undefined ? {} : { instance: process.env.DROVER_INSTANCE }),
    };
    const nodes = await buildPipeline(pipeline, { baseDir: dirname(file), kafkaClusters, logger, identity });
    const engine = new Engine(nodes, { maxPending, messageTimeoutMs, logger });
    await engine.start();
    logger.info({ nodes: nodes.length, maxPending, messageTimeoutMs }, 'pipeline running');

    const labels = { tenant: flags.tenant ?? '', channel: flags.channel ?? '', app: flags.app ?? '' };
    const startedAt = Date.now();
    const kinds: Record<string, ComponentKind> = {};
    for (const n of nodes) kinds[n.component] = componentKind(n.impl.kind);
    const history = new StatsHistory();
    history.add(inputTotals(engine.stats(), kinds, startedAt));
    const sampler = setLongInterval(
      () => history.add(inputTotals(engine.stats(), kinds, Date.now())),
      history.intervalMs,
    ).unref();
    // Under a runner, DROVER_METRICS_FILE names where to say our metrics address (the runner
    // reads it to pass our counters on): then we listen even without --metrics-listen, on a
    // loopback port the kernel picks.
    const addressFile = process.env.DROVER_METRICS_FILE;
    const metricsListen = flags.metricsListen ?? (addressFile ? '127.0.0.1:0' : undefined);
    const metricsServer =
      metricsListen === undefined
        ? undefined
        : await (async () => {
            const { host, port } = parseHostPort(metricsListen, '--metrics-listen');
            const server = createServer((req, res) => {
              if ((req.url ?? '').split('?')[0] === '/v1/stats') {
                const body = JSON.stringify(statsJson(engine.stats(), kinds, history, startedAt, Date.now()));
                res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
                res.end(body);
                return;
              }
              res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
              res.end(prometheus(engine.stats(), labels, nodeMetrics(nodes)));
            });
            await new Promise<void>((ok) => server.listen(port, host, ok));
            const bound = server.address();
            if (addressFile && bound !== null && typeof bound === 'object') {
              const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
              await writeFile(addressFile, `${JSON.stringify({ pid: process.pid, url })}\n`);
              logger.info({ url }, 'metrics listening');
            }
            return server;
          })();
    // Inputs listen, metrics answer: ready (a rolling update waits for this before going on).
    await signalReady(process.env.DROVER_READY_FILE).catch((err: unknown) =>
      logger.warn({ err: (err as Error).message }, 'cannot tell the runner the pipeline is ready'),
    );
    const ticker = setLongInterval(
      () => logger.info({ stats: engine.stats(), nodes: nodeMetrics(nodes) }, 'pipeline counters'),
      duration(flags.metricsInterval, '--metrics-interval'),
    ).unref();

    const drainMs =
      flags.drainTimeout === undefined
        ? defaultDrainMs(process.env.DROVER_STOP_GRACE_MS)
        : duration(flags.drainTimeout, '--drain-timeout');
    return await new Promise<number>((done) => {
      const stop = async (signal: string) => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onTerm);
        logger.info({ signal, inFlight: engine.inFlight }, 'draining');
        const left = await engine.drain(drainMs);
        ticker.clear();
        sampler.clear();
        metricsServer?.close();
        if (left > 0) logger.warn({ left }, 'drain timed out: events in flight were failed back');
        else logger.info({ stats: engine.stats() }, 'drained cleanly');
        logger.flush();
        done(left > 0 ? ExitCode.DRAIN_TIMEOUT : ExitCode.OK);
      };
      const onTerm = (signal: string) => void stop(signal);
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onTerm);
    });
  } catch (err) {
    exitOnFatal(logger, err);
  }
}

try {
  await program.parseAsync();
} catch (err) {
  const code = commanderExitCode(err);
  if (code !== undefined) process.exitCode = code;
  else {
    process.stderr.write(`punchlinectl: ${(err as Error).message}\n`);
    process.exitCode = ExitCode.FAILURE;
  }
}
// Pipelines keep sockets and timers open: leave once start() settled.
if (process.exitCode !== undefined) process.exit(process.exitCode);
