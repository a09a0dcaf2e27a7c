/**
 * A real single-node OpenSearch on loopback, assembled from its jars on Maven Central (no tarball,
 * no Docker): the home (jars, module descriptors and policies) is resolved once into the cache and
 * shared read-only; each node has its own config, data, logs and tmp under its service dir. The
 * engine refuses uid 0, so under root it runs as `nobody` through `setpriv`, and everything it
 * reads must be reachable by that user. Recipe and pitfalls: ../shared/reference/search-engine-local.md.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { JarResolutionError, PrerequisiteError, ServiceStartError } from './errors.js';
import { cacheDir as defaultCacheDir } from './paths.js';
import { assertPortFree, freePorts } from './ports.js';
import { ensureJava, ensureMaven, which } from './prereq.js';
import { isAlive, spawnDetached, stopProcess, tailFile } from './process.js';
import {
  type MavenArtifact,
  OPENSEARCH_VERSION,
  renderOpenSearchYml,
  renderPluginDescriptor,
  renderSearchPom,
  SEARCH_LOG4J2,
  SEARCH_UNPRIVILEGED_ID,
  searchJvmArgs,
  searchModules,
  serverArtifacts,
} from './search-config.js';

const execFileAsync = promisify(execFile);
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const MARKER = 'complete.json';
/** SIGTERM to exit: 1.3-2.3 s measured; flushing a large index takes longer. */
const STOP_GRACE_MS = 20_000;

export interface SearchHome {
  /** `path.home`: lib/, modules/, empty bin/ and plugins/. */
  readonly home: string;
  /** Whether this call ran Maven (false: the cache was complete). */
  readonly resolved: boolean;
}

async function copyDependencies(
  mvn: string,
  workDir: string,
  name: string,
  artifacts: readonly MavenArtifact[],
  outDir: string,
  transitive: boolean,
): Promise<void> {
  const pom = join(workDir, `${name}.pom.xml`);
  await writeFile(pom, renderSearchPom(name, artifacts));
  try {
    await execFileAsync(
      mvn,
      [
        '-B',
        '-q',
        '-f',
        pom,
        DEPENDENCY_PLUGIN,
        '-DincludeScope=runtime',
        ...(transitive ? [] : ['-DexcludeTransitive=true']),
        `-DoutputDirectory=${outDir}`,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    const output = `${stdout}${stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new JarResolutionError(`mvn could not resolve OpenSearch ${name} jars`, output);
  }
}

/**
 * The node's home in `<cacheDir>/opensearch-<version>/home`, resolved from Maven Central on first
 * use (~58 MB) into a private folder and renamed into place, so a concurrent resolver never sees
 * half a home. A marker written last tells a complete home from an interrupted one.
 */
export async function ensureSearchHome(cacheDir: string, version = OPENSEARCH_VERSION): Promise<SearchHome> {
  const dir = join(cacheDir, `opensearch-${version}`);
  const home = join(dir, 'home');
  if (existsSync(join(dir, MARKER)) && existsSync(join(home, 'lib'))) return { home, resolved: false };

  const mvn = await ensureMaven();
  await mkdir(dir, { recursive: true });
  const staging = join(dir, `home.${process.pid}.${Date.now()}`);
  process.stderr.write(`dev-services: resolving OpenSearch ${version} jars with Maven into ${home}\n`);
  try {
    await mkdir(join(staging, 'bin'), { recursive: true });
    await mkdir(join(staging, 'plugins'), { recursive: true });
    await copyDependencies(mvn, dir, 'server', serverArtifacts(version), join(staging, 'lib'), true);
    const lib = new Set(await readdir(join(staging, 'lib')));
    if (!lib.has(`opensearch-${version}.jar`)) {
      throw new JarResolutionError(
        'Maven finished but the OpenSearch server jar is missing',
        [...lib].join('\n'),
      );
    }
    for (const module of searchModules(version)) {
      const moduleDir = join(staging, 'modules', module.name);
      await copyDependencies(mvn, dir, module.name, module.artifacts, moduleDir, module.transitive);
      // A jar both on the server classpath and in a module is "jar hell": the node refuses to start.
      for (const jar of await readdir(moduleDir)) if (lib.has(jar)) await rm(join(moduleDir, jar));
      await writeFile(
        join(moduleDir, 'plugin-descriptor.properties'),
        renderPluginDescriptor(module, version),
      );
      if (module.policy !== undefined)
        await writeFile(join(moduleDir, 'plugin-security.policy'), module.policy);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  if (existsSync(join(dir, MARKER)) && existsSync(join(home, 'lib'))) {
    await rm(staging, { recursive: true, force: true });
    return { home, resolved: true };
  }
  await rm(home, { recursive: true, force: true });
  await rename(staging, home);
  await openUp(home);
  await writeFile(join(dir, MARKER), `${JSON.stringify({ version }, null, 2)}\n`);
  return { home, resolved: true };
}

/** chmod -R o+rX: the unprivileged node reads the home. */
async function openUp(path: string): Promise<void> {
  const info = await stat(path);
  await chmod(path, info.mode | (info.isDirectory() ? 0o005 : 0o004));
  if (info.isDirectory()) for (const entry of await readdir(path)) await openUp(join(path, entry));
}

/**
 * Under root the node runs as `nobody`: every folder above `path` must let others through (o+x).
 * Throws naming the first that does not, rather than letting the JVM fail with AccessDenied.
 */
async function assertReachable(path: string): Promise<void> {
  for (let at = dirname(resolve(path)); ; at = dirname(at)) {
    const info = await stat(at);
    if ((info.mode & 0o001) === 0 && info.uid !== SEARCH_UNPRIVILEGED_ID) {
      throw new PrerequisiteError(
        'search',
        `the search node runs as uid ${SEARCH_UNPRIVILEGED_ID} (it refuses root) and cannot reach ${path}: ` +
          `${at} is not world-traversable; chmod o+x it, or set DROVER_DEV_STATE_DIR / DROVER_DEV_CACHE_DIR elsewhere`,
      );
    }
    if (at === dirname(at)) return;
  }
}

export interface SearchOptions {
  /** Holds config/, data/, logs/, tmp/ and the default log file. */
  dir: string;
  httpPort?: number;
  transportPort?: number;
  /** Keep data/ from a previous run in `dir` (a restart); otherwise it is wiped. */
  keepData?: boolean;
  /** JVM heap; default DROVER_DEV_SEARCH_HEAP or 512m. */
  heap?: string;
  logFile?: string;
  cacheDir?: string;
  startTimeoutMs?: number;
}

export interface SearchHandle {
  /** `http://127.0.0.1:<port>` */
  endpoints: string[];
  pid: number;
  dir: string;
  port: number;
  transportPort: number;
  logFile: string;
  stop(): Promise<void>;
}

interface ClusterHealth {
  cluster_name?: unknown;
  status?: unknown;
}

/**
 * GET `_cluster/health` (waiting up to `waitMs` server-side for yellow): true when it answers 200
 * with a status. The node answers 503 until its cluster state is recovered.
 */
export async function searchHealthy(endpoint: string, timeoutMs = 2_000, waitMs = 0): Promise<boolean> {
  try {
    const wait = waitMs > 0 ? `?wait_for_status=yellow&timeout=${Math.ceil(waitMs / 1000)}s` : '';
    const response = await fetch(`${endpoint}/_cluster/health${wait}`, {
      signal: AbortSignal.timeout(timeoutMs + waitMs),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as ClusterHealth;
    return body.status === 'green' || body.status === 'yellow';
  } catch {
    return false;
  }
}

export function searchHandleFor(record: {
  pid: number;
  dir: string;
  port: number;
  transportPort: number;
  logFile: string;
}): SearchHandle {
  return {
    ...record,
    endpoints: [`http://127.0.0.1:${record.port}`],
    stop: () => stopProcess(record.pid, STOP_GRACE_MS),
  };
}

/**
 * New indices get 0 replicas, so one node stays green. `cluster.default_number_of_replicas` is
 * read from the cluster state at index creation: in opensearch.yml it shows but has no effect.
 */
async function zeroReplicas(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/_cluster/settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ persistent: { 'cluster.default_number_of_replicas': 0 } }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`PUT _cluster/settings: ${response.status} ${await response.text()}`);
}

/**
 * Starts one OpenSearch node on 127.0.0.1 and resolves once `_cluster/health` answers yellow or
 * green (and new indices are set to 0 replicas).
 */
export async function startSearch(options: SearchOptions): Promise<SearchHandle> {
  const java = await ensureJava();
  const { home } = await ensureSearchHome(options.cacheDir ?? defaultCacheDir());
  const dir = resolve(options.dir);
  const [pickedHttp, pickedTransport] = await freePorts(2);
  const port = options.httpPort ?? pickedHttp!;
  let transportPort = options.transportPort ?? pickedTransport!;
  if (transportPort === port) transportPort = (await freePorts(2)).find((p) => p !== port)!;
  await assertPortFree(port, 'search http');
  await assertPortFree(transportPort, 'search transport');

  const confDir = join(dir, 'config');
  const dataDir = join(dir, 'data');
  const logsDir = join(dir, 'logs');
  const tmpDir = join(dir, 'tmp');
  if (options.keepData !== true) await rm(dataDir, { recursive: true, force: true });
  // The node creates its keystore again on start, owned by the user it runs as.
  await rm(join(confDir, 'opensearch.keystore'), { force: true });
  for (const d of [confDir, dataDir, logsDir, tmpDir]) await mkdir(d, { recursive: true });
  await writeFile(
    join(confDir, 'opensearch.yml'),
    renderOpenSearchYml({ httpPort: port, transportPort, dataDir, logsDir }),
  );
  await writeFile(join(confDir, 'log4j2.properties'), SEARCH_LOG4J2);

  const root = process.getuid?.() === 0;
  let command = java;
  let prefix: string[] = [];
  if (root) {
    const setpriv = await which('setpriv');
    if (setpriv === undefined) {
      throw new PrerequisiteError(
        'setpriv',
        'running as root needs setpriv (util-linux) to start the search node as nobody',
      );
    }
    await chmod(dir, 0o755);
    await assertReachable(join(home, 'lib'));
    await assertReachable(confDir);
    for (const d of [confDir, dataDir, logsDir, tmpDir]) await chownTree(d, SEARCH_UNPRIVILEGED_ID);
    command = setpriv;
    prefix = [
      `--reuid=${SEARCH_UNPRIVILEGED_ID}`,
      `--regid=${SEARCH_UNPRIVILEGED_ID}`,
      '--clear-groups',
      java,
    ];
  }

  const logFile = resolve(options.logFile ?? join(dir, 'search.log'));
  const heap = options.heap ?? (process.env.DROVER_DEV_SEARCH_HEAP || '512m');
  const child = await spawnDetached(
    command,
    [...prefix, ...searchJvmArgs({ home, confDir, tmpDir, heap })],
    logFile,
    { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: tmpDir, LIBFFI_TMPDIR: tmpDir },
  );
  const pid = child.pid!;
  const handle = searchHandleFor({ pid, dir, port, transportPort, logFile });
  const endpoint = handle.endpoints[0]!;

  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  for (;;) {
    if (!isAlive(pid)) {
      throw new ServiceStartError('search', `process ${pid} exited`, logFile, tailFile(logFile, 40));
    }
    if (await searchHealthy(endpoint, 2_000, 2_000)) {
      await zeroReplicas(endpoint);
      return handle;
    }
    if (Date.now() >= deadline) {
      await stopProcess(pid, 5_000);
      throw new ServiceStartError(
        'search',
        'no _cluster/health answer in time',
        logFile,
        tailFile(logFile, 40),
      );
    }
    await sleep(250);
  }
}

async function chownTree(path: string, id: number): Promise<void> {
  await chown(path, id, id);
  const info = await stat(path);
  if (info.isDirectory()) for (const entry of await readdir(path)) await chownTree(join(path, entry), id);
}
