/**
 * The I/O edge: read `channels/<tenant>/<channel>/` from disk, validate the structure, every
 * pipeline and index template file it names, and check that every file it names is there.
 *
 * The whole channel directory is shipped, as Punch ships it: every file under it (symlinks
 * followed while they stay inside; one leading outside is refused), so what runs on a runner is
 * what validated on disk (`command: node`, `args: [worker.js]` finds its `worker.js`). Text files
 * (valid UTF-8) travel as text, others base64. The total is bounded by `maxBytes` (default
 * MAX_CHANNEL_BYTES): the channel lives in one etcd value, and etcd refuses requests over
 * 1.5 MiB by default (`--max-request-bytes`).
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { type ChannelStructure, parseChannelStructure, pipelineFileOf } from './channel-structure.js';
import { parseIndexTemplate } from './index-template.js';
import { formatPath, type Issue, type ParseResult } from './issues.js';
import { isChannelRelativePath } from './names.js';
import type { ChannelFileSet } from './own-files.js';
import { type Pipeline, parsePipeline } from './pipeline.js';
import { issueAt, locate, parseSource } from './source.js';

export interface LoadedChannel extends ChannelFileSet {
  readonly tenant: string;
  readonly channel: string;
  readonly structure: ChannelStructure;
  /** Every text file of the channel directory, by path relative to it. */
  readonly files: Readonly<Record<string, string>>;
  /** Every other file (not valid UTF-8), base64, by path relative to the directory. */
  readonly binaryFiles: Readonly<Record<string, string>>;
}

export const STRUCTURE_FILE = 'channel_structure.yaml';

/** What a channel directory may hold in all: 1 MiB (its files' bytes, before any encoding). */
export const MAX_CHANNEL_BYTES = 1024 * 1024;

export interface ChannelLimits {
  /** Largest total size of the channel's files in bytes (default MAX_CHANNEL_BYTES). */
  readonly maxBytes?: number;
}

/** Bytes of a set of files as they are on disk (base64 decoded). */
export function channelBytes(set: ChannelFileSet): number {
  let total = 0;
  for (const text of Object.values(set.files)) total += Buffer.byteLength(text, 'utf8');
  for (const b64 of Object.values(set.binaryFiles ?? {})) total += Buffer.byteLength(b64, 'base64');
  return total;
}

const human = (bytes: number) =>
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MiB`
    : bytes >= 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${bytes} B`;

/** The issue for a channel over its size limit: the size, the limit and the largest files. */
function tooLarge(file: string, sizes: ReadonlyMap<string, number>, maxBytes: number): Issue {
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  const largest = [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([path, n]) => `${path} (${human(n)})`)
    .join(', ');
  return {
    file,
    line: 1,
    column: 1,
    path: '',
    message: `the channel directory holds ${human(total)} (${total} bytes), over the limit of ${human(maxBytes)} (${maxBytes} bytes) shipped with a channel; largest files: ${largest}`,
  };
}

function isUtf8Text(buffer: Buffer): boolean {
  return Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer);
}

interface DirectoryRead {
  readonly files: Record<string, string>;
  readonly binaryFiles: Record<string, string>;
  /** Paths that could not be shipped, with why (a symlink out of the directory, a socket...). */
  readonly refused: Map<string, string>;
  readonly sizes: Map<string, number>;
}

/**
 * Every file under `root`, sorted by path. Past `maxBytes` it keeps measuring (to report the
 * true total) but stops reading.
 */
async function readDirectory(root: string, maxBytes: number): Promise<DirectoryRead> {
  const realRoot = await realpath(root);
  const out: DirectoryRead = { files: {}, binaryFiles: {}, refused: new Map(), sizes: new Map() };
  let total = 0;
  const seenDirs = new Set<string>([realRoot]);
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir)).sort();
    for (const name of entries) {
      const full = join(dir, name);
      const path = relative(root, full).split(sep).join('/');
      let real: string;
      try {
        real = await realpath(full);
      } catch {
        out.refused.set(path, `"${path}" is a symbolic link to nothing`);
        continue;
      }
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        out.refused.set(path, `"${path}" leads outside the channel directory`);
        continue;
      }
      const info = await stat(real);
      if (info.isDirectory()) {
        // A symlink back up the tree would loop.
        if (seenDirs.has(real)) continue;
        seenDirs.add(real);
        await walk(full);
        continue;
      }
      if (!info.isFile()) {
        out.refused.set(
          path,
          `"${path}" is not a regular file (${(await lstat(full)).isFIFO() ? 'a FIFO' : 'a special file'})`,
        );
        continue;
      }
      out.sizes.set(path, info.size);
      total += info.size;
      if (total > maxBytes) continue;
      const content = await readFile(real);
      if (isUtf8Text(content)) out.files[path] = content.toString('utf8');
      else out.binaryFiles[path] = content.toString('base64');
    }
  };
  await walk(root);
  return out;
}

/** Loads and validates the channel in `dir` (its last two path segments are tenant and channel). */
export async function loadChannel(
  dir: string,
  limits: ChannelLimits = {},
): Promise<ParseResult<LoadedChannel>> {
  const maxBytes = limits.maxBytes ?? MAX_CHANNEL_BYTES;
  const root = resolve(dir);
  const channel = basename(root);
  const tenant = basename(dirname(root));
  const file = join(dir, STRUCTURE_FILE);
  const issue = (message: string, at = file): ParseResult<LoadedChannel> => ({
    ok: false,
    issues: [{ file: at, line: 1, column: 1, path: '', message }],
  });
  let read: DirectoryRead;
  try {
    if (!(await stat(root)).isDirectory()) return issue(`channel directory ${dir} is not a directory`, dir);
    read = await readDirectory(root, maxBytes);
  } catch {
    return issue(`channel directory ${dir} not found`);
  }
  if (channelBytesOf(read.sizes) > maxBytes) {
    return { ok: false, issues: [tooLarge(dir, read.sizes, maxBytes)] };
  }
  const text = read.files[STRUCTURE_FILE];
  if (text === undefined) return issue(`${STRUCTURE_FILE} not found in ${dir}`);
  return resolveChannel({
    tenant,
    channel,
    dir,
    text,
    set: { files: read.files, binaryFiles: read.binaryFiles },
    refused: read.refused,
  });
}

const channelBytesOf = (sizes: ReadonlyMap<string, number>) => [...sizes.values()].reduce((a, b) => a + b, 0);

/**
 * Validates a channel received as files (an upload to the API): the same checks as `loadChannel`,
 * with `files` and `binaryFiles` standing for the directory. Issues name `<tenant>/<channel>/<file>`.
 */
export function validateChannelFiles(
  tenant: string,
  channel: string,
  files: Readonly<Record<string, string>>,
  binaryFiles: Readonly<Record<string, string>> = {},
  limits: ChannelLimits = {},
): Promise<ParseResult<LoadedChannel>> {
  const maxBytes = limits.maxBytes ?? MAX_CHANNEL_BYTES;
  const dir = `${tenant}/${channel}`;
  const at = (message: string, file = join(dir, STRUCTURE_FILE)): Issue => ({
    file,
    line: 1,
    column: 1,
    path: '',
    message,
  });
  const bad = [...Object.keys(files), ...Object.keys(binaryFiles)].filter((p) => !isChannelRelativePath(p));
  if (bad.length > 0) {
    return Promise.resolve({
      ok: false,
      issues: bad.map((p) =>
        at(`uploaded file "${p}" is not a relative path inside the channel directory`, dir),
      ),
    });
  }
  const both = Object.keys(files).filter((p) => Object.hasOwn(binaryFiles, p));
  if (both.length > 0) {
    return Promise.resolve({
      ok: false,
      issues: both.map((p) => at(`uploaded file "${p}" is given both as text and as binary`, dir)),
    });
  }
  const sizes = new Map<string, number>();
  for (const [p, t] of Object.entries(files)) sizes.set(p, Buffer.byteLength(t, 'utf8'));
  for (const [p, b] of Object.entries(binaryFiles)) sizes.set(p, Buffer.byteLength(b, 'base64'));
  if (channelBytesOf(sizes) > maxBytes) {
    return Promise.resolve({ ok: false, issues: [tooLarge(dir, sizes, maxBytes)] });
  }
  const text = Object.hasOwn(files, STRUCTURE_FILE) ? files[STRUCTURE_FILE] : undefined;
  if (text === undefined) {
    return Promise.resolve({ ok: false, issues: [at(`${STRUCTURE_FILE} missing from the uploaded files`)] });
  }
  return resolveChannel({ tenant, channel, dir, text, set: { files, binaryFiles }, refused: new Map() });
}

async function resolveChannel(args: {
  tenant: string;
  channel: string;
  dir: string;
  text: string;
  set: Required<ChannelFileSet>;
  refused: ReadonlyMap<string, string>;
}): Promise<ParseResult<LoadedChannel>> {
  const { tenant, channel, dir, text, set } = args;
  const file = join(dir, STRUCTURE_FILE);
  const parsed = parseChannelStructure(text, { file, tenant, channel });
  if (!parsed.ok) return parsed;

  const { source } = parseSource(text, file);
  const issues: Issue[] = [];
  const named = new Set<string>();
  // An index template is ensured by one owner: the controller (a resource) or an
  // elasticsearch_output's `template` setting, never both (they would report and replace it each
  // their own way).
  const templates = new Set(
    parsed.value.resources.flatMap((r) => (r.type === 'elasticsearch_index_template' ? [r.name] : [])),
  );
  /** A file the structure names: it must be there (and be text, for a pipeline). */
  const check = (path: string, at: (string | number)[], isPipeline: boolean) => {
    const where = { file, ...locate(source, at), path: formatPath(at) };
    named.add(path);
    const refused = args.refused.get(path);
    if (refused !== undefined) {
      issues.push({ ...where, message: refused });
      return;
    }
    const content = Object.hasOwn(set.files, path) ? set.files[path] : undefined;
    if (content === undefined && !Object.hasOwn(set.binaryFiles, path)) {
      issues.push({ ...where, message: `file "${path}" not found in the channel directory` });
      return;
    }
    if (!isPipeline) return;
    if (content === undefined) {
      issues.push({ ...where, message: `pipeline file "${path}" is not text (UTF-8)` });
      return;
    }
    const pipeline = parsePipeline(content, { file: join(dir, path) });
    if (!pipeline.ok) issues.push(...pipeline.issues);
    else issues.push(...templateOwners(pipeline.value, content, join(dir, path), templates));
  };
  const pipelinesChecked = new Set<string>();
  for (const [i, app] of parsed.value.applications.entries()) {
    const pipeline = pipelineFileOf(app);
    if (pipeline !== undefined && app.command === 'punchlinectl' && !pipelinesChecked.has(pipeline)) {
      pipelinesChecked.add(pipeline);
      check(pipeline, ['applications', i, 'args', app.args.indexOf('--punchline') + 1], true);
    }
    for (const [j, res] of app.resources.entries()) check(res, ['applications', i, 'resources', j], false);
  }
  // Index template resources: the file is there, is JSON, and has the shape the engine takes.
  for (const [i, res] of parsed.value.resources.entries()) {
    if (res.type !== 'elasticsearch_index_template') continue;
    const before = issues.length;
    check(res.file, ['resources', i, 'file'], false);
    if (issues.length > before) continue;
    const content = Object.hasOwn(set.files, res.file) ? set.files[res.file] : undefined;
    if (content === undefined) {
      issues.push({
        file,
        ...locate(source, ['resources', i, 'file']),
        path: formatPath(['resources', i, 'file']),
        message: `index template file "${res.file}" is not text (UTF-8 JSON)`,
      });
      continue;
    }
    const template = parseIndexTemplate(content, join(dir, res.file));
    if (!template.ok) issues.push(...template.issues);
  }
  // Anything else that cannot be shipped is an error too: nothing is left out silently.
  for (const [path, why] of args.refused) {
    if (!named.has(path))
      issues.push({
        file: join(dir, path),
        line: 1,
        column: 1,
        path: '',
        message: `${why}: it cannot be shipped`,
      });
  }
  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    value: { tenant, channel, structure: parsed.value, files: set.files, binaryFiles: set.binaryFiles },
    issues: [],
  };
}

/** Issues for the elasticsearch_output nodes of `pipeline` whose `template` is also a channel resource. */
function templateOwners(
  pipeline: Pipeline,
  text: string,
  file: string,
  resources: ReadonlySet<string>,
): Issue[] {
  if (resources.size === 0) return [];
  const issues: Issue[] = [];
  pipeline.dag.forEach((node, i) => {
    if (node.type !== 'elasticsearch_output') return;
    const template = node.settings.template as { name?: unknown } | undefined;
    if (typeof template?.name !== 'string' || !resources.has(template.name)) return;
    const { source } = parseSource(text, file);
    issues.push(
      issueAt(
        source,
        ['dag', i, 'settings', 'template', 'name'],
        `index template "${template.name}" is a resource of the channel: the controller ensures it, remove this template setting`,
      ),
    );
  });
  return issues;
}
