// Keeps the TypeScript project references in step with the workspaces' dependencies, so that
// `npx tsc -b` at the root (tsconfig.json, the solution file) builds every library and app in
// dependency order, as Nx does. Each package's tsconfig.lib.json references the tsconfig.lib.json
// of every @drover package in its `dependencies` (devDependencies are for tests: tsconfig.json).
//
//   node deploy/tsconfig-references.mjs           rewrite what is out of step (prints what changed)
//   node deploy/tsconfig-references.mjs --check   exit 1 naming what is out of step
//   (--root DIR: another checkout)
//
// The workspace test deploy/dev/test/workspace-layout.test.ts runs the check.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? process.argv[rootArg + 1] : fileURLToPath(new URL('..', import.meta.url));

/** Every workspace with a tsconfig.lib.json: name, folder, @drover dependencies. */
export function workspaces(repo = root) {
  const { workspaces: globs } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  const dirs = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = glob.slice(0, -2);
      for (const name of readdirNames(join(repo, parent))) dirs.push(join(parent, name));
    } else dirs.push(glob);
  }
  const out = [];
  for (const dir of dirs.sort()) {
    let pkg;
    let lib;
    try {
      pkg = JSON.parse(readFileSync(join(repo, dir, 'package.json'), 'utf8'));
      lib = readFileSync(join(repo, dir, 'tsconfig.lib.json'), 'utf8');
    } catch {
      continue;
    }
    out.push({
      name: pkg.name,
      dir,
      lib: JSON.parse(lib),
      deps: Object.keys(pkg.dependencies ?? {})
        .filter((d) => d.startsWith('@drover/'))
        .sort(),
    });
  }
  return out;
}

function readdirNames(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** What each file should hold: `{ file, json }` for every tsconfig.lib.json and the root tsconfig.json. */
export function expectedConfigs(repo = root) {
  const all = workspaces(repo);
  const byName = new Map(all.map((w) => [w.name, w]));
  const files = [];
  for (const w of all) {
    const references = w.deps
      .map((d) => byName.get(d))
      .filter((d) => d !== undefined)
      .map((d) => ({ path: relative(w.dir, join(d.dir, 'tsconfig.lib.json')) }));
    files.push({ file: join(w.dir, 'tsconfig.lib.json'), json: { ...w.lib, references } });
  }
  files.push({
    file: 'tsconfig.json',
    json: {
      // The solution file: `npx tsc -b` builds every package in dependency order. Compiler
      // options live in tsconfig.base.json; each package's own files in its tsconfig.lib.json.
      files: [],
      references: all.map((w) => ({ path: join(w.dir, 'tsconfig.lib.json') })),
    },
  });
  return files;
}

function format(json) {
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** The files whose content differs from what they should hold. */
export function outOfStep(repo = root) {
  const stale = [];
  for (const { file, json } of expectedConfigs(repo)) {
    let current;
    try {
      current = JSON.parse(readFileSync(join(repo, file), 'utf8'));
    } catch {
      current = undefined;
    }
    if (JSON.stringify(current?.references) !== JSON.stringify(json.references)) stale.push({ file, json });
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = outOfStep();
  if (process.argv.includes('--check')) {
    for (const { file } of stale) console.error(`${file}: project references out of step with package.json`);
    if (stale.length > 0) console.error('run: node deploy/tsconfig-references.mjs');
    process.exit(stale.length === 0 ? 0 : 1);
  }
  for (const { file, json } of stale) {
    writeFileSync(join(root, file), format(json));
    console.log(`wrote ${file}`);
  }
}
