import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { JarResolutionError } from './errors.js';
import { KAFKA_VERSION, renderPom, renderToolsPom } from './kafka-config.js';
import { ensureMaven } from './prereq.js';

const execFileAsync = promisify(execFile);
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies';
const MARKER = 'complete.json';

export interface KafkaJars {
  libsDir: string;
  jars: string[];
  /** Whether this call ran Maven (false: the cache was complete). */
  resolved: boolean;
}

interface Marker {
  /** What was resolved (`group:artifact:version`; older markers say only the version). */
  artifact?: string;
  kafkaVersion?: string;
  jars: string[];
}

async function readMarker(dir: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Marker;
    const libsDir = join(dir, 'libs');
    if (marker.jars.length === 0 || !marker.jars.every((jar) => existsSync(join(libsDir, jar))))
      return undefined;
    return marker;
  } catch {
    return undefined;
  }
}

/** What a classpath is resolved from: a POM, where it goes, and the jars that prove it complete. */
interface Classpath {
  readonly dir: string;
  readonly what: string;
  readonly pom: string;
  readonly required: (jars: readonly string[]) => string | undefined;
}

/**
 * The broker classpath in `<cacheDir>/kafka-<version>/libs`, resolved from Maven Central on first use.
 * A marker file written last tells a complete cache from an interrupted one.
 */
export function ensureKafkaJars(cacheDir: string, kafkaVersion = KAFKA_VERSION): Promise<KafkaJars> {
  return ensureClasspath({
    dir: join(cacheDir, `kafka-${kafkaVersion}`),
    what: `org.apache.kafka:kafka_2.13:${kafkaVersion}`,
    pom: renderPom(kafkaVersion),
    required: (jars) =>
      jars.includes(`kafka_2.13-${kafkaVersion}.jar`) && jars.some((j) => j.startsWith('reload4j-'))
        ? undefined
        : 'the Kafka or reload4j jar is missing',
  });
}

/**
 * Kafka's own command-line tools (`org.apache.kafka:kafka-tools`: ProducerPerformance,
 * ConsumerPerformance) at the broker's version, with their runtime dependencies and a log4j
 * binding, in `<cacheDir>/kafka-tools-<version>/libs`: the benchmarks' Java anchor. Resolved from
 * Maven Central on first use, like the broker's jars, into a classpath of their own.
 */
export function ensureKafkaToolsJars(cacheDir: string, kafkaVersion = KAFKA_VERSION): Promise<KafkaJars> {
  return ensureClasspath({
    dir: join(cacheDir, `kafka-tools-${kafkaVersion}`),
    what: `org.apache.kafka:kafka-tools:${kafkaVersion}`,
    pom: renderToolsPom(kafkaVersion),
    required: (jars) =>
      jars.includes(`kafka-tools-${kafkaVersion}.jar`) && jars.some((j) => j.startsWith('reload4j-'))
        ? undefined
        : 'the kafka-tools or reload4j jar is missing',
  });
}

async function ensureClasspath(cp: Classpath): Promise<KafkaJars> {
  const { dir } = cp;
  const libsDir = join(dir, 'libs');
  const cached = await readMarker(dir);
  if (cached !== undefined) return { libsDir, jars: cached.jars, resolved: false };

  const mvn = await ensureMaven();
  await mkdir(dir, { recursive: true });
  const pom = join(dir, 'pom.xml');
  await writeFile(pom, cp.pom);
  // Resolve into a private folder and rename, so a concurrent resolver never sees half a classpath.
  const staging = join(dir, `libs.${process.pid}.${Date.now()}`);
  process.stderr.write(`dev-services: resolving ${cp.what} jars with Maven into ${libsDir}\n`);
  try {
    await execFileAsync(
      mvn,
      ['-B', '-q', '-f', pom, DEPENDENCY_PLUGIN, '-DincludeScope=runtime', `-DoutputDirectory=${staging}`],
      { maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    const output = `${stdout}${stderr}`.trim().split('\n').slice(-40).join('\n');
    throw new JarResolutionError(`mvn could not resolve ${cp.what}`, output);
  }
  const jars = (await readdir(staging)).filter((f) => f.endsWith('.jar')).sort();
  const missing = cp.required(jars);
  if (missing !== undefined) throw new JarResolutionError(`Maven finished but ${missing}`, jars.join('\n'));

  const raced = await readMarker(dir);
  if (raced !== undefined) {
    await rm(staging, { recursive: true, force: true });
    return { libsDir, jars: raced.jars, resolved: true };
  }
  await rm(libsDir, { recursive: true, force: true });
  await rename(staging, libsDir);
  const marker: Marker = { artifact: cp.what, jars };
  await writeFile(join(dir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  return { libsDir, jars, resolved: true };
}

export async function jarsSize(libsDir: string, jars: readonly string[]): Promise<number> {
  let total = 0;
  for (const jar of jars) total += (await stat(join(libsDir, jar))).size;
  return total;
}
