/**
 * The I/O edge: read `channels/<tenant>/<channel>/` from disk, validate the structure and every
 * pipeline it names, and check that every shipped file exists inside the channel directory
 * (symlinks that lead outside are refused).
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { type ChannelStructure, parseChannelStructure, pipelineFileOf } from './channel-structure.js';
import { formatPath, type Issue, type ParseResult } from './issues.js';
import { parsePipeline } from './pipeline.js';
import { locate, parseSource } from './source.js';

export interface LoadedChannel {
  readonly tenant: string;
  readonly channel: string;
  readonly structure: ChannelStructure;
  /** Every file shipped with the channel, by path relative to the channel directory. */
  readonly files: Readonly<Record<string, string>>;
}

export const STRUCTURE_FILE = 'channel_structure.yaml';

async function readInside(root: string, path: string): Promise<{ text: string } | { error: string }> {
  const full = resolve(root, path);
  try {
    const real = await realpath(full);
    const realRoot = await realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) {
      return { error: `"${path}" leads outside the channel directory` };
    }
    if (!(await stat(real)).isFile()) return { error: `"${path}" is not a file` };
    return { text: await readFile(real, 'utf8') };
  } catch {
    return { error: `file "${path}" not found in the channel directory` };
  }
}

type ReadFile = (path: string) => Promise<{ text: string } | { error: string }>;

/** Loads and validates the channel in `dir` (its last two path segments are tenant and channel). */
export async function loadChannel(dir: string): Promise<ParseResult<LoadedChannel>> {
  const root = resolve(dir);
  const channel = basename(root);
  const tenant = basename(dirname(root));
  const file = join(dir, STRUCTURE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const entries = await readdir(root).catch(() => undefined);
    const message =
      entries === undefined ? `channel directory ${dir} not found` : `${STRUCTURE_FILE} not found in ${dir}`;
    return { ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] };
  }
  return resolveChannel({ tenant, channel, dir, text, read: (path) => readInside(root, path) });
}

/**
 * Validates a channel received as files (an upload to the API): the same checks as `loadChannel`,
 * with `files` standing for the directory. Issues name `<tenant>/<channel>/<file>`.
 */
export function validateChannelFiles(
  tenant: string,
  channel: string,
  files: Readonly<Record<string, string>>,
): Promise<ParseResult<LoadedChannel>> {
  const dir = `${tenant}/${channel}`;
  const text = Object.hasOwn(files, STRUCTURE_FILE) ? files[STRUCTURE_FILE] : undefined;
  if (text === undefined) {
    const file = join(dir, STRUCTURE_FILE);
    const message = `${STRUCTURE_FILE} missing from the uploaded files`;
    return Promise.resolve({ ok: false, issues: [{ file, line: 1, column: 1, path: '', message }] });
  }
  const read: ReadFile = async (path) => {
    const found = Object.hasOwn(files, path) ? files[path] : undefined;
    return found === undefined
      ? { error: `file "${path}" not found in the channel directory` }
      : { text: found };
  };
  return resolveChannel({ tenant, channel, dir, text, read });
}

async function resolveChannel(args: {
  tenant: string;
  channel: string;
  dir: string;
  text: string;
  read: ReadFile;
}): Promise<ParseResult<LoadedChannel>> {
  const { tenant, channel, dir, text } = args;
  const file = join(dir, STRUCTURE_FILE);
  const parsed = parseChannelStructure(text, { file, tenant, channel });
  if (!parsed.ok) return parsed;

  const { source } = parseSource(text, file);
  const issues: Issue[] = [];
  const files: Record<string, string> = {};
  const ship = async (path: string, at: (string | number)[], isPipeline: boolean) => {
    if (path in files) return;
    const read = await args.read(path);
    if ('error' in read) {
      issues.push({ file, ...locate(source, at), path: formatPath(at), message: read.error });
      return;
    }
    files[path] = read.text;
    if (isPipeline) {
      const pipeline = parsePipeline(read.text, { file: join(dir, path) });
      if (!pipeline.ok) issues.push(...pipeline.issues);
    }
  };
  for (const [i, app] of parsed.value.applications.entries()) {
    const pipeline = pipelineFileOf(app);
    if (pipeline !== undefined && app.command === 'punchlinectl') {
      await ship(pipeline, ['applications', i, 'args', app.args.indexOf('--punchline') + 1], true);
    }
    for (const [j, res] of app.resources.entries())
      await ship(res, ['applications', i, 'resources', j], false);
  }
  if (issues.length > 0) return { ok: false, issues };
  files[STRUCTURE_FILE] = text;
  return { ok: true, value: { tenant, channel, structure: parsed.value, files }, issues: [] };
}
