export { type BackoffPolicy, defaultBackoff, nextConsecutive, restartDelay } from './backoff.js';
export {
  type ChildLogger,
  type ChildSpec,
  type ChildStatus,
  describeExit,
  SupervisedChild,
  type SupervisedChildOptions,
} from './child.js';
