export { formatBytes } from './bytes.js';
export { type PlacementErrorCode, PlacementInputError } from './errors.js';
export { place } from './place.js';
export type {
  AppDemand,
  Assignment,
  PendingInstance,
  PlacementChanges,
  PlacementInput,
  PlacementResult,
  RunnerInfo,
} from './types.js';
