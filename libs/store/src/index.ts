export type { Decode, KeyValue, PutOptions, StoreOptions } from './client.js';
export type { CampaignOptions, FencedOps, Leadership } from './election.js';
export { isStoreError, NotLeaderError, StoreError, type StoreErrorCode } from './errors.js';
export { checkSegment, type InstanceRef, KeyLayout, type PlacementRef } from './keys.js';
export type { LeaseHandle, LeaseLoss, LeaseLossReason } from './lease.js';
export { connectStore, type LeaseTimeToLive, Store } from './store.js';
export type { PrefixWatch, PrefixWatchOptions, SnapshotEntry, WatchEvent, WatchState } from './watch.js';
