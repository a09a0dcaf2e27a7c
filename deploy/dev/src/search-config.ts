/**
 * What a single-node OpenSearch needs besides its jars, as plain text: the Maven coordinates of the
 * server and its modules, the module descriptors and security policies the distribution build
 * writes (the jars on Maven Central carry none), `opensearch.yml`, the log4j2 configuration and
 * the JVM flags of the distribution's launcher. Verified recipe: ../shared/reference/search-engine-local.md.
 */

/** The newest 2.x on Maven Central that runs on Java 17 (3.x needs Java 21 and a java agent). */
export const OPENSEARCH_VERSION = '2.19.6';

export interface MavenArtifact {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
}

function artifact(coordinates: string): MavenArtifact {
  const [groupId = '', artifactId = '', version = ''] = coordinates.split(':');
  return { groupId, artifactId, version };
}

/**
 * A module: its folder under `modules/`, the jars it needs (resolved without their transitive
 * dependencies when `transitive` is false: the server already provides them), its plugin class
 * and security policy.
 */
export interface SearchModule {
  readonly name: string;
  readonly classname: string;
  readonly artifacts: readonly MavenArtifact[];
  readonly transitive: boolean;
  /** The module's plugin-security.policy; none when the module has none. */
  readonly policy?: string;
  readonly description: string;
}

/**
 * The server classpath (`lib/`). The plugin class loader is not in the server POM (without it:
 * NoClassDefFoundError ExtendedPluginsClassLoader); log4j-core, spatial4j and jts-core are marked
 * optional there but the distribution ships them (log4j-core is needed to start).
 */
export function serverArtifacts(version = OPENSEARCH_VERSION): MavenArtifact[] {
  return [
    `org.opensearch:opensearch:${version}`,
    `org.opensearch:opensearch-plugin-classloader:${version}`,
    'org.apache.logging.log4j:log4j-core:2.25.4',
    'org.locationtech.spatial4j:spatial4j:0.7',
    'org.locationtech.jts:jts-core:1.15.0',
  ].map(artifact);
}

/**
 * HTTP and transport (`transport-netty4`, whose jar brings the netty jars), and the ingest
 * processors (`ingest-common`: set, rename, grok, ..., for `elasticsearch_output`'s `pipeline`).
 * ingest-common is loaded without lang-painless: the `script` processor needs painless, nothing
 * else does, and painless costs ~150 MB of RSS. Policies: each module's
 * `src/main/plugin-metadata/plugin-security.policy` in opensearch-project/OpenSearch (ingest-common
 * has none). Without `getClassLoader` the node serves requests but hangs on SIGTERM.
 */
export function searchModules(version = OPENSEARCH_VERSION): SearchModule[] {
  return [
    {
      name: 'transport-netty4',
      description: 'Netty 4 based transport implementation',
      classname: 'org.opensearch.transport.Netty4Plugin',
      artifacts: [artifact(`org.opensearch.plugin:transport-netty4-client:${version}`)],
      transitive: true,
      policy: `grant {
  permission java.io.FilePermission "/proc/sys/net/core/somaxconn", "read";
  permission java.net.SocketPermission "*", "accept,connect";
  permission java.lang.RuntimePermission "*", "setContextClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
  permission java.util.PropertyPermission "sun.nio.ch.bugLevel", "write";
};
`,
    },
    {
      name: 'ingest-common',
      description: 'Module for ingest processors that do not require additional security permissions',
      classname: 'org.opensearch.ingest.common.IngestCommonPlugin',
      artifacts: [
        `org.opensearch.plugin:ingest-common:${version}`,
        `org.opensearch:opensearch-grok:${version}`,
        `org.opensearch:opensearch-dissect:${version}`,
        'org.jruby.joni:joni:2.2.1',
        'org.jruby.jcodings:jcodings:1.0.61',
      ].map(artifact),
      transitive: false,
    },
  ];
}

/** A `<packaging>pom</packaging>` project whose dependencies are `artifacts`, for copy-dependencies. */
export function renderSearchPom(name: string, artifacts: readonly MavenArtifact[]): string {
  const deps = artifacts
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId>` +
        `<version>${d.version}</version></dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.drover.local</groupId>
  <artifactId>opensearch-${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** `plugin-descriptor.properties`: keys from buildSrc/src/main/resources/plugin-descriptor.properties. */
export function renderPluginDescriptor(module: SearchModule, version = OPENSEARCH_VERSION): string {
  return `${[
    `description=${module.description}`,
    `version=${version}`,
    `name=${module.name}`,
    `classname=${module.classname}`,
    'java.version=1.8',
    `opensearch.version=${version}`,
    'extended.plugins=',
    'has.native.controller=false',
  ].join('\n')}\n`;
}

export interface SearchNodeConfig {
  readonly httpPort: number;
  readonly transportPort: number;
  readonly dataDir: string;
  readonly logsDir: string;
}

/**
 * `opensearch.yml`: one node on loopback. With `discovery.type: single-node` on loopback the
 * bootstrap checks (file descriptors, vm.max_map_count) only warn. Disk watermarks are off: CI
 * disks may be nearly full, and a node that turns its indices read-only fails every test.
 */
export function renderOpenSearchYml(config: SearchNodeConfig): string {
  return `cluster.name: drover-dev
node.name: drover-dev-1
discovery.type: single-node
network.host: 127.0.0.1
http.port: ${config.httpPort}
transport.port: ${config.transportPort}
path.data: ${config.dataDir}
path.logs: ${config.logsDir}
cluster.routing.allocation.disk.threshold_enabled: false
`;
}

/** Console only: the service's stdout is its log file. */
export const SEARCH_LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = error
`;

export const SEARCH_MAIN_CLASS = 'org.opensearch.bootstrap.OpenSearch';

/**
 * The java command line: the flags the distribution's launcher adds (SystemJvmOptions and
 * jvm.options) without GC logging, the home and config paths, and the main class.
 */
export function searchJvmArgs(options: {
  readonly home: string;
  readonly confDir: string;
  readonly tmpDir: string;
  readonly heap: string;
}): string[] {
  return [
    `-Xms${options.heap}`,
    `-Xmx${options.heap}`,
    '-XX:+UseG1GC',
    '-XX:G1ReservePercent=25',
    '-XX:InitiatingHeapOccupancyPercent=30',
    '-XX:-OmitStackTraceInFastThrow',
    '-XX:+ExitOnOutOfMemoryError',
    '-Xshare:auto',
    '-Djava.security.manager=allow',
    `-Djava.io.tmpdir=${options.tmpDir}`,
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dio.netty.allocator.numDirectArenas=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j2.formatMsgNoLookups=true',
    '-Djava.locale.providers=SPI,COMPAT',
    `-Dopensearch.path.home=${options.home}`,
    `-Dopensearch.path.conf=${options.confDir}`,
    '-Dopensearch.distribution.type=tar',
    '-Dopensearch.bundled_jdk=false',
    '-cp',
    `${options.home}/lib/*`,
    SEARCH_MAIN_CLASS,
  ];
}

/** The user the node runs as when we are root: both engines refuse uid 0. `nobody` on Debian. */
export const SEARCH_UNPRIVILEGED_ID = 65534;
