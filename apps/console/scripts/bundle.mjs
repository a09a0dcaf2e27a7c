// Builds the page into dist/www: one minified ES module and one stylesheet, content-hashed,
// and index.html naming them. Preact is bundled in; nothing is loaded from elsewhere at run time.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'www');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await build({
  entryPoints: { console: join(root, 'src', 'page', 'main.tsx') },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: join(out, 'assets'),
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (script === undefined || style === undefined)
  throw new Error(`bundle: expected a .js and a .css, got ${outputs}`);
const html = readFileSync(join(root, 'src', 'page', 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/assets/${script}`)
  .replace('%STYLE%', `/assets/${style}`);
writeFileSync(join(out, 'index.html'), html);
const bytes = [script, style].reduce((n, f) => n + statSync(join(out, 'assets', f)).size, html.length);
process.stdout.write(`console: ${script}, ${style}, index.html: ${(bytes / 1024).toFixed(1)} KiB\n`);
