/**
 * Which files of a channel directory an application runs with: its own files, whose change
 * restarts it (and nothing else). The whole directory is shipped to every instance; this only
 * decides what a change touches.
 *
 * An application's own files are, transitively:
 * - its command, when the channel ships a file of that name;
 * - every argument (or the value after `=` in `--opt=value`) naming a shipped file, or a shipped
 *   directory (then every file under it);
 * - its `resources`;
 * - in a pipeline file it runs (`--punchline FILE`): every string of the file naming a shipped
 *   file or directory (`map_file`, `module`, `ssl_*`, `path`, ...);
 * - in a JavaScript module among those: every relative `import`/`export ... from`/`import()`/
 *   `require()` specifier, resolved as Node does (`./x`, `./x.js`, `./x/index.js`, ...).
 *
 * A file read by a name computed at run time is not seen: `reload` restarts everything.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Application, pipelineFileOf } from './channel-structure.js';

/** A channel directory's files by relative path: text files as text, others base64. */
export interface ChannelFileSet {
  readonly files: Readonly<Record<string, string>>;
  readonly binaryFiles?: Readonly<Record<string, string>>;
}

const MODULE = /\.(c|m)?(j|t)s$/;
const MODULE_EXTENSIONS = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.json'];
const SPECIFIERS = [
  /\bfrom\s*['"]([^'"\n]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  /\bimport\s+['"]([^'"\n]+)['"]/g,
  /\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
];

/** `./a/../b//c` -> `b/c`; undefined when it leaves the directory or is not relative. */
function normalise(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || path.includes('\0')) return undefined;
  const out = posix.normalize(path).replace(/\/+$/, '');
  return out === '.' || out === '..' || out.startsWith('../') ? undefined : out;
}

export function ownFiles(app: Application, channel: ChannelFileSet): string[] {
  const all = [...Object.keys(channel.files), ...Object.keys(channel.binaryFiles ?? {})].sort();
  const present = new Set(all);
  const own = new Set<string>();
  const queue: string[] = [];
  const add = (path: string) => {
    if (own.has(path) || !present.has(path)) return;
    own.add(path);
    queue.push(path);
  };
  /** A name that may be a file or a directory of the channel: everything it names. */
  const named = (text: string) => {
    const path = normalise(text);
    if (path === undefined) return;
    if (present.has(path)) add(path);
    else for (const f of all) if (f.startsWith(`${path}/`)) add(f);
  };

  named(app.command);
  for (const arg of app.args) {
    named(arg);
    const eq = arg.indexOf('=');
    if (eq > 0) named(arg.slice(eq + 1));
  }
  for (const resource of app.resources) named(resource);
  const pipeline = pipelineFileOf(app);
  const pipelines = new Set(pipeline === undefined ? [] : [normalise(pipeline)]);

  while (queue.length > 0) {
    const path = queue.shift() as string;
    const text = channel.files[path];
    if (text === undefined) continue;
    if (pipelines.has(path)) {
      for (const s of yamlStrings(text)) named(s);
    } else if (MODULE.test(path)) {
      for (const spec of specifiers(text)) {
        if (!spec.startsWith('./') && !spec.startsWith('../')) continue;
        const base = normalise(posix.join(posix.dirname(path), spec));
        if (base === undefined) continue;
        const candidates = [
          ...MODULE_EXTENSIONS.map((ext) => `${base}${ext}`),
          ...MODULE_EXTENSIONS.slice(1).map((ext) => `${base}/index${ext}`),
        ];
        const found = candidates.find((c) => present.has(c));
        if (found !== undefined) add(found);
      }
    }
  }
  return [...own].sort();
}

function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const pattern of SPECIFIERS) for (const m of text.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** Every string scalar of a YAML document (keys excluded); nothing when it does not parse. */
function yamlStrings(text: string): string[] {
  let value: unknown;
  try {
    value = parseYaml(text, { merge: true, maxAliasCount: 100 });
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return out;
}
