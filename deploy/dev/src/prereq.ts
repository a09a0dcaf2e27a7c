import { execFile, spawn } from 'node:child_process';
import { access, constants, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { PrerequisiteError } from './errors.js';

const execFileAsync = promisify(execFile);

export async function which(bin: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, bin);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function run(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    // apt's output goes to our stderr: stdout is reserved for machine-readable output.
    const child = spawn(command, args, {
      stdio: ['ignore', 2, 2],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Installs Debian packages (we run as root on the dev/CI machines); throws naming what is missing. */
export async function aptInstall(tool: string, packages: readonly string[]): Promise<void> {
  const hint = `apt-get install -y ${packages.join(' ')}`;
  if ((await which('apt-get')) === undefined) {
    throw new PrerequisiteError(
      tool,
      `${tool} not found and apt-get is not available: install it with ${hint}`,
    );
  }
  process.stderr.write(`dev-services: ${tool} not found, running apt-get update && ${hint}\n`);
  let code: number;
  try {
    code = await run('apt-get', ['update']);
    // Others may hold the dpkg lock (a shared machine): wait for it rather than fail.
    if (code === 0)
      code = await run('apt-get', [
        'install',
        '-y',
        '-o',
        'DPkg::Lock::Timeout=600',
        '--no-install-recommends',
        ...packages,
      ]);
  } catch (err) {
    throw new PrerequisiteError(
      tool,
      `${tool} not found and apt-get could not run: install it with ${hint}`,
      {
        cause: err,
      },
    );
  }
  if (code !== 0) {
    throw new PrerequisiteError(
      tool,
      `${tool} not found and apt-get failed (exit ${code}): install it with ${hint}`,
    );
  }
}

async function ensureBinary(bin: string, tool: string, packages: readonly string[]): Promise<string> {
  const found = await which(bin);
  if (found !== undefined) return found;
  await aptInstall(tool, packages);
  const installed = await which(bin);
  if (installed === undefined) {
    throw new PrerequisiteError(
      tool,
      `${bin} is still not on PATH after apt-get install ${packages.join(' ')}`,
    );
  }
  return installed;
}

/**
 * Debian's etcd-server may also start a system etcd on 2379 where systemd runs; we never use it
 * (our instances take their own free ports and data dirs).
 */
export function ensureEtcdInstalled(): Promise<string> {
  return ensureBinary('etcd', 'etcd', ['etcd-server', 'etcd-client']);
}

/**
 * Debian's Chromium, for the console's browser tests (driven by playwright-core, which downloads
 * no browser of its own). Fonts come with it so that screenshots show text.
 */
export function ensureChromium(): Promise<string> {
  return ensureBinary('chromium', 'Chromium', ['chromium', 'fonts-liberation', 'fonts-dejavu-core']);
}

export function ensureMaven(): Promise<string> {
  return ensureBinary('mvn', 'Maven (mvn)', ['maven']);
}

/** Major version from `java -version` output: `openjdk version "17.0.15"` → 17, `"1.8.0_382"` → 8. */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (match === null) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

export const MIN_JAVA = 17;

export async function ensureJava(): Promise<string> {
  const java = await ensureBinary('java', `Java ${MIN_JAVA}`, ['openjdk-17-jre-headless']);
  const { stderr, stdout } = await execFileAsync(java, ['-version']);
  const major = parseJavaMajor(`${stderr}\n${stdout}`);
  if (major === undefined || major < MIN_JAVA) {
    throw new PrerequisiteError(
      `Java ${MIN_JAVA}`,
      `${java} is Java ${major ?? '(unknown version)'}, Kafka needs Java ${MIN_JAVA}+: ` +
        'apt-get install -y openjdk-17-jre-headless and put it first on PATH',
    );
  }
  return java;
}

/** `systemd-analyze` (Debian's `systemd`), which checks the shipped units in a test. */
export function ensureSystemdAnalyze(): Promise<string> {
  return ensureBinary('systemd-analyze', 'systemd-analyze', ['systemd']);
}

/** Where Debian's rsyslog keeps its modules. */
export const RSYSLOG_MODULE_DIR = '/usr/lib/x86_64-linux-gnu/rsyslog';

/**
 * The rsyslog modules the interop tests and benchmarks drive, by the Debian package that ships
 * each: RELP (`imrelp`/`omrelp`), the TLS stream driver (`lmnsd_ossl`, OpenSSL) and `omkafka`.
 */
export const RSYSLOG_PACKAGES: Readonly<Record<string, string>> = {
  'imrelp.so': 'rsyslog-relp',
  'omrelp.so': 'rsyslog-relp',
  'lmnsd_ossl.so': 'rsyslog-openssl',
  'omkafka.so': 'rsyslog-kafka',
};

/**
 * rsyslogd and the modules above, installed from Debian when missing (`rsyslog`, `rsyslog-relp`,
 * `rsyslog-openssl`, `rsyslog-kafka`). Tests run it as an ordinary foreground process with a
 * configuration of their own (`rsyslogd -n -f FILE -i PIDFILE`); the package's own service is
 * never started here (Debian's policy-rc.d, or no init system, on the dev and CI machines).
 * Returns the path of rsyslogd and its module directory.
 */
export async function ensureRsyslog(
  moduleDir = RSYSLOG_MODULE_DIR,
): Promise<{ rsyslogd: string; moduleDir: string }> {
  const missing = new Set<string>();
  if ((await which('rsyslogd')) === undefined && !(await executable('/usr/sbin/rsyslogd')))
    missing.add('rsyslog');
  for (const [module, pkg] of Object.entries(RSYSLOG_PACKAGES)) {
    if (!(await executable(join(moduleDir, module), constants.R_OK))) missing.add(pkg);
  }
  if (missing.size > 0)
    await aptInstall('rsyslog', ['rsyslog', ...[...missing].filter((p) => p !== 'rsyslog')]);
  const rsyslogd = (await which('rsyslogd')) ?? '/usr/sbin/rsyslogd';
  if (!(await executable(rsyslogd))) {
    throw new PrerequisiteError(
      'rsyslog',
      `rsyslogd is still missing after apt-get install ${[...missing].join(' ')}`,
    );
  }
  for (const module of Object.keys(RSYSLOG_PACKAGES)) {
    if (!(await executable(join(moduleDir, module), constants.R_OK))) {
      throw new PrerequisiteError(
        'rsyslog',
        `${join(moduleDir, module)} is still missing after apt-get install`,
      );
    }
  }
  return { rsyslogd, moduleDir };
}

/** Debian's syslog-ng (the daemon and its modules). */
export const SYSLOG_NG_PACKAGE = 'syslog-ng-core';
/** The libraries syslog-ng-core links (its Depends), which a machine without it may lack. */
export const SYSLOG_NG_LIBRARIES = [
  'libcap2',
  'libglib2.0-0',
  'libivykis0',
  'libjson-c5',
  'libnet1',
  'libpcre3',
  'libssl3',
  'libsystemd0',
  'libwrap0',
];

/** An unpacked syslog-ng: run `binary` with LD_LIBRARY_PATH=`libDir` and `--module-path=moduleDir`. */
export interface SyslogNg {
  readonly binary: string;
  readonly libDir: string;
  readonly moduleDir: string;
  /** `syslog-ng --version`'s first line. */
  readonly version: string;
}

/**
 * syslog-ng from Debian for the interop tests, unpacked under `<cache>/syslog-ng/root` rather than
 * installed: Debian's `syslog-ng-core` and `rsyslog` both provide and conflict with
 * `system-log-daemon`, and the tests need both. Its libraries are installed with apt-get, the
 * package itself fetched with `apt-get download` and unpacked with `dpkg -x`; nothing is started.
 * Throws PrerequisiteError naming the step that failed.
 */
export async function ensureSyslogNg(cache: string): Promise<SyslogNg> {
  const base = join(cache, 'syslog-ng');
  const root = join(base, 'root');
  const found = await unpackedSyslogNg(root);
  if (found !== undefined) return found;
  await aptInstall('syslog-ng', SYSLOG_NG_LIBRARIES);
  const staging = join(base, `staging.${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    // As root apt-get warns that it downloads unsandboxed: harmless here.
    const fetched = await runIn(staging, 'apt-get', ['download', SYSLOG_NG_PACKAGE]);
    if (fetched !== 0)
      throw new PrerequisiteError(
        'syslog-ng',
        `apt-get download ${SYSLOG_NG_PACKAGE} failed (exit ${fetched})`,
      );
    const deb = (await readdir(staging)).find((f) => f.endsWith('.deb'));
    if (deb === undefined)
      throw new PrerequisiteError(
        'syslog-ng',
        `apt-get download ${SYSLOG_NG_PACKAGE} left no .deb in ${staging}`,
      );
    const unpacked = await runIn(staging, 'dpkg', ['-x', deb, 'root']);
    if (unpacked !== 0) throw new PrerequisiteError('syslog-ng', `dpkg -x ${deb} failed (exit ${unpacked})`);
    await rm(root, { recursive: true, force: true });
    await rename(join(staging, 'root'), root);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const ready = await unpackedSyslogNg(root);
  if (ready === undefined)
    throw new PrerequisiteError(
      'syslog-ng',
      `${join(root, 'usr/sbin/syslog-ng')} does not run after unpacking`,
    );
  return ready;
}

async function unpackedSyslogNg(root: string): Promise<SyslogNg | undefined> {
  const binary = join(root, 'usr', 'sbin', 'syslog-ng');
  const libDir = join(root, 'usr', 'lib', 'syslog-ng');
  if (!(await executable(binary))) return undefined;
  const versions = (await readdir(libDir)).filter((d) => /^\d+\.\d+$/.test(d));
  if (versions.length !== 1) return undefined;
  try {
    const { stdout } = await execFileAsync(binary, ['--version'], {
      env: { ...process.env, LD_LIBRARY_PATH: libDir },
    });
    return {
      binary,
      libDir,
      moduleDir: join(libDir, versions[0] as string),
      version: stdout.split('\n')[0] ?? '',
    };
  } catch {
    return undefined;
  }
}

function runIn(cwd: string, command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

async function executable(path: string, mode = constants.X_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}
