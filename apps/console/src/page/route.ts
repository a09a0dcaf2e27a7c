/** The page's places, in the URL's hash so that a view can be bookmarked and shared. */
export type Route =
  | { readonly view: 'overview' }
  | { readonly view: 'channel'; readonly tenant: string; readonly channel: string }
  | {
      readonly view: 'logs';
      readonly tenant: string;
      readonly channel: string;
      readonly app: string;
      readonly index: number;
    }
  | { readonly view: 'search'; readonly params: Readonly<Record<string, string>> };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [head, a, b, c, d] = parts;
  if (head === 'channel' && a && b && NAME.test(a) && NAME.test(b) && parts.length === 3) {
    return { view: 'channel', tenant: a, channel: b };
  }
  if (head === 'logs' && a && b && c && d && [a, b, c].every((x) => NAME.test(x)) && /^\d+$/.test(d)) {
    return { view: 'logs', tenant: a, channel: b, app: c, index: Number(d) };
  }
  if (head === 'search') {
    return { view: 'search', params: Object.fromEntries(new URLSearchParams(query)) };
  }
  return { view: 'overview' };
}

export function href(route: Route): string {
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'channel':
      return `#/channel/${route.tenant}/${route.channel}`;
    case 'logs':
      return `#/logs/${route.tenant}/${route.channel}/${route.app}/${route.index}`;
    case 'search': {
      const q = new URLSearchParams(Object.entries(route.params).filter(([, v]) => v !== '')).toString();
      return q === '' ? '#/search' : `#/search?${q}`;
    }
  }
}
