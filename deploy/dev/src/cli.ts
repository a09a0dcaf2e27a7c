#!/usr/bin/env node
import { parseArgs, USAGE, UsageError } from './args.js';
import { DevServicesError } from './errors.js';
import { ensureRsyslog, ensureSyslogNg } from './prereq.js';
import { defaultDirs, down, envLines, status, up } from './services.js';
import { readState } from './state.js';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseArgs(argv);
  const dirs = defaultDirs();
  switch (command.kind) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'up': {
      const result = await up(command.services, dirs);
      if (command.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    case 'down':
      await down(command.services, dirs);
      return 0;
    case 'status': {
      const services = await status(dirs);
      if (command.json) {
        process.stdout.write(`${JSON.stringify(services, null, 2)}\n`);
      } else {
        for (const s of services) {
          const line = s.recorded
            ? `${s.name.padEnd(5)} ${s.endpoints.join(',')}  pid ${s.pid}  ${s.alive ? 'alive' : 'dead'}  ${s.healthy ? 'healthy' : 'unhealthy'}`
            : `${s.name.padEnd(5)} down`;
          process.stderr.write(`${line}\n`);
        }
      }
      return 0;
    }
    case 'install': {
      for (const tool of command.tools) {
        if (tool === 'rsyslog') {
          const { rsyslogd, moduleDir } = await ensureRsyslog();
          process.stdout.write(`${JSON.stringify({ rsyslog: { rsyslogd, moduleDir } })}\n`);
        } else if (tool === 'syslog-ng') {
          const syslogNg = await ensureSyslogNg(dirs.cacheDir);
          process.stdout.write(`${JSON.stringify({ syslogNg })}\n`);
        }
      }
      return 0;
    }
    case 'env': {
      const lines = envLines(await readState(dirs.stateDir));
      if (lines.length === 0) {
        process.stderr.write('dev-services: no service is up (run deploy/dev/services up)\n');
        return 1;
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`dev-services: ${err.message}\n${USAGE}\n`);
      process.exitCode = 2;
    } else if (err instanceof DevServicesError) {
      process.stderr.write(`dev-services: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `dev-services: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
