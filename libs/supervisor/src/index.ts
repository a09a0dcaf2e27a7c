export { type BackoffPolicy, defaultBackoff, nextConsecutive, restartDelay } from './backoff.js';
export {
  type ChildLogger,
  type ChildSpec,
  type ChildStatus,
  describeExit,
  type Schedule,
  SupervisedChild,
  type SupervisedChildOptions,
} from './child.js';
export type { Launched, LaunchOptions, LaunchSpec, OutputSink, OutputStream } from './launch.js';
export { MAX_LINE, splitLines } from './lines.js';
export {
  detectMemoryEnforcement,
  type MemoryCage,
  MemoryEnforcementError,
  type MemoryEnforcementKind,
  type MemoryEnforcementOptions,
  type MemoryEnforcer,
  Watchdog,
} from './memory.js';
export { allProcesses, isRunning, type ProcStat, procStat, signalGroup } from './proc.js';
