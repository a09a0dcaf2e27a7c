#!/usr/bin/env node
/**
 * `deploy/dev/demo up|down` (for scripts) and `npm start` (`start`: up, then the live summary
 * every second in the foreground; Ctrl-C stops everything it started and says so).
 *
 * Exit codes: 0 done (or stopped by Ctrl-C after a clean shutdown), 1 something could not start
 * (named, with the log to read), 2 usage.
 */
import { Kafka, logLevel } from 'kafkajs';
import { readState, type ServiceName } from '../state.js';
import {
  type DemoContext,
  DemoError,
  demoContext,
  down,
  stopServices,
  tryLines,
  UP_STEPS,
  up,
} from './demo.js';
import { Progress } from './progress.js';
import { collectSnapshot, renderSummary, type Snapshot } from './summary.js';

const USAGE = `usage: deploy/dev/demo up|down     (npm start: up, a live summary, Ctrl-C stops it all)`;

async function topicReader(ctx: DemoContext) {
  const brokers = (await readState(ctx.stateDir)).kafka?.brokers ?? [];
  const admin = new Kafka({ clientId: 'drover-demo-summary', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  return {
    totals: async (topics: readonly string[]) => {
      const out = new Map<string, number>();
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic).catch(() => undefined);
        if (offsets !== undefined)
          out.set(
            topic,
            offsets.reduce((n, p) => n + Number(p.high), 0),
          );
      }
      return out;
    },
    close: () => admin.disconnect(),
  };
}

async function upCommand(ctx: DemoContext): Promise<number> {
  const progress = new Progress(process.stderr, UP_STEPS);
  try {
    await up(ctx, { progress });
  } catch (err) {
    process.stderr.write(`demo: ${(err as Error).message}\n(deploy/dev/demo down stops what did start)\n`);
    return 1;
  }
  process.stdout.write(
    `\ndemo: running.\n${(await tryLines(ctx)).join('\n')}\n  deploy/dev/demo down && deploy/dev/services down\n`,
  );
  return 0;
}

async function downCommand(ctx: DemoContext): Promise<number> {
  const stopped = await down(ctx);
  process.stderr.write(
    `demo: stopped ${stopped.length === 0 ? 'nothing (nothing was running)' : stopped.join(', ')}; deploy/dev/services down stops the services\n`,
  );
  return 0;
}

/** `npm start`: up with progress, the summary every second, Ctrl-C to stop everything. */
async function startCommand(ctx: DemoContext): Promise<number> {
  const out = process.stdout;
  const started: ServiceName[] = [];
  let stopping: Promise<number> | undefined;
  let summaryTimer: NodeJS.Timeout | undefined;
  let reader: Awaited<ReturnType<typeof topicReader>> | undefined;
  const t0 = Date.now();
  // Ctrl-C while starting: no further step starts, and the shutdown waits for the current one, so
  // nothing is started after `down` looked for what to stop.
  const starting = new AbortController();
  let upDone: Promise<unknown> = Promise.resolve();

  const stop = (why: string): Promise<number> => {
    stopping ??= (async () => {
      starting.abort();
      // Only to wait for the step under way: its failure is reported where it is awaited (the
      // start path's catch), and an abort is what this stop asked for.
      await upDone.catch(() => {});
      if (summaryTimer !== undefined) clearInterval(summaryTimer);
      await reader?.close().catch((err: unknown) => {
        process.stderr.write(`drover: closing the topic reader: ${(err as Error).message}\n`);
      });
      out.write(
        `\n\ndrover: ${why}: stopping the senders, runners (and their pipelines) and controllers...\n`,
      );
      const stoppedDemo = await down(ctx);
      out.write(`drover: stopped ${stoppedDemo.join(', ') || 'no demo process (none was running)'}\n`);
      if (started.length > 0) {
        out.write(`drover: stopping the services this run started: ${started.join(', ')}...\n`);
        await stopServices(ctx, started);
      }
      out.write('drover: everything npm start started is stopped.\n');
      return 0;
    })();
    return stopping;
  };
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      out.write(
        `\ndrover: ${signal} again: still stopping cleanly, please wait (logs in ${ctx.paths.dir})\n`,
      );
      return;
    }
    void stop(signal === 'SIGINT' ? 'Ctrl-C' : signal).then((code) => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const progress = new Progress(process.stderr, UP_STEPS);
  try {
    const upRun = up(ctx, {
      progress,
      signal: starting.signal,
      onServiceStarted: (name) => started.push(name),
    });
    upDone = upRun;
    await upRun;
  } catch (err) {
    if (stopping !== undefined) return stopping;
    const message = err instanceof DemoError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`drover: could not start: ${message}\n`);
    await stop('start failed');
    return 1;
  }
  if (stopping !== undefined) return stopping;
  const startup = ((Date.now() - t0) / 1000).toFixed(1);
  reader = await topicReader(ctx).catch((err: unknown) => {
    process.stderr.write(`drover: no topic rates (${(err as Error).message})\n`);
    return undefined;
  });
  const apis = ctx.layout.controllers.map((c) => `http://${c.listen}`);
  const tty = out.isTTY === true;
  let before: Snapshot | undefined;
  let lastPrinted = 0;
  const footer = [
    '',
    `Started in ${startup} s. Logs: ${ctx.paths.dir}/*.log. channelctl: npx channelctl status (API ${ctx.layout.primaryApi}).`,
    'Ctrl-C stops everything npm start started.',
  ];
  const tick = async () => {
    const now = await collectSnapshot(apis, (topics) => reader?.totals(topics) ?? Promise.resolve(new Map()));
    if (stopping !== undefined) return;
    const lines = renderSummary(before, now, {
      consoleUrl: `${ctx.layout.primaryApi}/`,
      clock: new Date(now.at).toISOString().replace('T', ' ').slice(0, 19),
    });
    before = now;
    if (tty) out.write(`\x1b[H\x1b[2J${[...lines, ...footer].join('\n')}\n`);
    else if (now.at - lastPrinted >= 10_000) {
      lastPrinted = now.at;
      out.write(`${[...lines, ...footer].join('\n')}\n\n`);
    }
  };
  let busy = false;
  summaryTimer = setInterval(() => {
    if (busy || stopping !== undefined) return;
    busy = true;
    void tick().finally(() => {
      busy = false;
    });
  }, 1_000);
  await tick();
  return new Promise<number>(() => {}); // until a signal: onSignal exits
}

async function main(argv: readonly string[]): Promise<number> {
  const ctx = demoContext();
  switch (argv[0] ?? 'up') {
    case 'up':
      return upCommand(ctx);
    case 'down':
      return downCommand(ctx);
    case 'start':
      return startCommand(ctx);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`demo: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
