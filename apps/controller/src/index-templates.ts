/**
 * Index templates of search clusters as channel resources (`elasticsearch_index_template`): the
 * ensurer the ResourceManager (resources.ts) uses for them, over libs/search (one client per
 * cluster, connected on first use). Each template is created when missing, `present` when the one
 * there carries the same declaration, `mismatch` when it differs (left alone) or `updated` with
 * `overwrite: true` (libs/search ensureIndexTemplates: "the same" is the digest Drover writes
 * into the template's `_meta`). A template the engine refuses is `error` with the engine's reason.
 */
import { formatIssue, type IndexTemplateResource, parseIndexTemplate } from '@drover/channel-model';
import type { Logger } from '@drover/platform';
import {
  connectSearch,
  ensureIndexTemplates,
  type IndexTemplateSpec,
  type SearchClient,
  type SearchClientOptions,
} from '@drover/search';
import type { ResourceWork } from './plan.js';
import type { ResourceEnsurer, ResourceOutcome } from './resources.js';

/** A search cluster as the controller reaches it: nodes, basic auth, the CA of https nodes. */
export type SearchClusterSettings = Pick<SearchClientOptions, 'nodes' | 'auth' | 'tls'>;

/**
 * Index templates per search cluster. `connect` opens a client (default: libs/search
 * connectSearch); tests give a fake one behind the same interface.
 */
export function searchEnsurer(
  clusters: Readonly<Record<string, SearchClusterSettings>>,
  logger: Logger,
  connect: (options: SearchClientOptions) => SearchClient = connectSearch,
): ResourceEnsurer {
  const clients = new Map<string, SearchClient>();
  const client = (cluster: string): SearchClient => {
    const existing = clients.get(cluster);
    if (existing !== undefined) return existing;
    const settings = clusters[cluster];
    if (settings === undefined) {
      throw new Error(
        `unknown search cluster "${cluster}": declare it with --search-cluster ${cluster}=URL or under search.clusters in the platform file`,
      );
    }
    // The controller's requests are few and small: a short timeout keeps a dead node from
    // holding the leader's view of the resource for long (it is tried again, RESOURCE_RETRY_MS).
    const connected = connect({ ...settings, requestTimeoutMs: 10_000 });
    clients.set(cluster, connected);
    logger.debug({ cluster, nodes: settings.nodes }, 'search cluster client');
    return connected;
  };
  return {
    ensure: async (cluster, work) => {
      const search = client(cluster);
      const outcomes: (ResourceOutcome | undefined)[] = [];
      const specs: { at: number; spec: IndexTemplateSpec }[] = [];
      work.forEach((w, at) => {
        const prepared = templateSpec(w);
        if ('error' in prepared) outcomes[at] = { state: 'error', error: prepared.error };
        else specs.push({ at, spec: prepared.spec });
      });
      const reports = await ensureIndexTemplates(
        search,
        specs.map((s) => s.spec),
      );
      reports.forEach((r, i) => {
        outcomes[specs[i]?.at ?? -1] = { state: r.state, error: r.error };
      });
      return work.map((_, i) => outcomes[i] ?? { state: 'error', error: 'not ensured' });
    },
    close: async () => {
      await Promise.all(
        [...clients.entries()].map(([cluster, c]) =>
          c
            .close()
            .catch((e: unknown) =>
              logger.warn({ cluster, err: (e as Error).message }, 'closing a search cluster client'),
            ),
        ),
      );
      clients.clear();
    },
  };
}

/** The spec of a template resource from its shipped file, or why there is none. */
function templateSpec(w: ResourceWork): { spec: IndexTemplateSpec } | { error: string } {
  if (w.resource.type !== 'elasticsearch_index_template') {
    return { error: `not an elasticsearch_index_template: ${w.resource.type}` };
  }
  const resource: IndexTemplateResource = w.resource;
  if (w.file === undefined) {
    return { error: `index template file "${resource.file}" is not among the channel's files` };
  }
  const parsed = parseIndexTemplate(w.file, resource.file);
  if (!parsed.ok) return { error: parsed.issues.map(formatIssue).join('; ') };
  return { spec: { name: resource.name, body: parsed.value, overwrite: resource.overwrite } };
}
