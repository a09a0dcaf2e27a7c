import { describe, expect, it } from 'vitest';
import {
  renderOpenSearchYml,
  renderPluginDescriptor,
  renderSearchPom,
  SEARCH_MAIN_CLASS,
  searchJvmArgs,
  searchModules,
  serverArtifacts,
} from './search-config.js';

describe('search node configuration', () => {
  it('puts the plugin class loader and the optional server jars on the classpath', () => {
    const pom = renderSearchPom('server', serverArtifacts('2.19.6'));
    expect(pom).toContain('<artifactId>opensearch-plugin-classloader</artifactId><version>2.19.6</version>');
    expect(pom).toContain('<artifactId>log4j-core</artifactId>');
    expect(pom).toContain('<packaging>pom</packaging>');
  });

  it('describes each module as the distribution build does', () => {
    const [netty, ingest] = searchModules('2.19.6');
    const descriptor = renderPluginDescriptor(netty!, '2.19.6');
    expect(descriptor).toContain('classname=org.opensearch.transport.Netty4Plugin\n');
    expect(descriptor).toContain('opensearch.version=2.19.6\n');
    expect(descriptor).toContain('extended.plugins=\n');
    // Without getClassLoader the node hangs on SIGTERM.
    expect(netty?.policy).toContain('"getClassLoader"');
    expect(ingest?.name).toBe('ingest-common');
    expect(ingest?.transitive).toBe(false);
  });

  it('binds HTTP and transport to loopback and keeps working on a full disk', () => {
    const yml = renderOpenSearchYml({ httpPort: 9201, transportPort: 9301, dataDir: '/d', logsDir: '/l' });
    expect(yml).toContain('network.host: 127.0.0.1\n');
    expect(yml).toContain('http.port: 9201\n');
    expect(yml).toContain('transport.port: 9301\n');
    expect(yml).toContain('discovery.type: single-node\n');
    expect(yml).toContain('cluster.routing.allocation.disk.threshold_enabled: false\n');
  });

  it('starts the bootstrap main class with the security manager allowed', () => {
    const args = searchJvmArgs({ home: '/h', confDir: '/c', tmpDir: '/t', heap: '256m' });
    expect(args.at(-1)).toBe(SEARCH_MAIN_CLASS);
    expect(args).toContain('-Xmx256m');
    expect(args).toContain('-Djava.security.manager=allow');
    expect(args).toContain('-Dopensearch.path.conf=/c');
    expect(args.slice(-3, -1)).toEqual(['-cp', '/h/lib/*']);
  });
});
