/**
 * The live stream, followed: an EventSource on /v1/events that keeps the latest whole state of
 * each event and says how the link is. The browser reconnects by itself after a network error
 * (sending Last-Event-ID); after a refusal (the controller restarting, not synced yet) we open a
 * new stream ourselves, passing the last id, so the controller waits until it has caught up.
 */
import type {
  ChannelsLive,
  ChannelView,
  ClusterLive,
  HeartbeatsLive,
  RunnersLive,
} from '@drover/cluster-state';

export type LinkState = 'connecting' | 'live' | 'reconnecting';

export interface LiveState {
  cluster?: ClusterLive;
  runners?: RunnersLive;
  channels?: ChannelsLive;
  heartbeats?: HeartbeatsLive;
  /** null: the channel does not exist. */
  channel?: ChannelView | null;
  link: LinkState;
  /** When the link was last lost (epoch ms), while it is not live. */
  lostAt?: number;
  /** Epoch ms of the last event received. */
  updatedAt?: number;
}

const EVENTS = ['cluster', 'runners', 'channels', 'channel', 'heartbeats'] as const;
const REOPEN_MS = 1000;

export function follow(query: string, onState: (s: LiveState) => void): () => void {
  let state: LiveState = { link: 'connecting' };
  let source: EventSource | undefined;
  let lastId = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const set = (patch: Partial<LiveState>) => {
    state = { ...state, ...patch };
    onState(state);
  };
  const open = () => {
    const params = new URLSearchParams(query);
    if (lastId !== '') params.set('lastEventId', lastId);
    const qs = params.toString();
    const es = new EventSource(`/v1/events${qs === '' ? '' : `?${qs}`}`);
    source = es;
    es.onopen = () => set({ link: 'live', lostAt: undefined });
    es.onerror = () => {
      if (closed) return;
      set({ link: 'reconnecting', lostAt: state.lostAt ?? Date.now() });
      if (es.readyState === EventSource.CLOSED) {
        timer = setTimeout(open, REOPEN_MS);
      }
    };
    for (const name of EVENTS) {
      es.addEventListener(name, (e) => {
        const m = e as MessageEvent<string>;
        if (m.lastEventId !== '') lastId = m.lastEventId;
        set({ [name]: JSON.parse(m.data), link: 'live', lostAt: undefined, updatedAt: Date.now() });
      });
    }
  };
  open();
  return () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    source?.close();
  };
}
