/**
 * npm run bench [-- <name>...]: runs every test/bench/*.bench.ts (or the named ones), prints a
 * Markdown table and writes JSON to test/bench/results/ (latest.json and one file per run).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchModule, type BenchRow, context, endScratch, formatTable } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.bench\.ts$/, '')))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${wanted.join(', ')}\n`);
  process.exit(2);
}

const rows: (BenchRow & { bench: string })[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
  context.log(`bench ${mod.name} ...`);
  let ok = false;
  try {
    for (const row of await mod.run(context)) rows.push({ bench: mod.name, ...row });
    ok = true;
  } finally {
    endScratch(ok);
  }
}

const report = {
  date: new Date().toISOString(),
  machine: {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
  },
  rows,
};
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const json = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(join(resultsDir, 'latest.json'), json);
writeFileSync(join(resultsDir, `${report.date.replace(/[:.]/g, '-')}.json`), json);
process.stdout.write(`${formatTable(rows)}\n\nJSON: ${join(resultsDir, 'latest.json')}\n`);
