export { heapOptions } from './commands.js';
export { type RunnerConfig, type RunnerFlags, resolveRunnerConfig } from './config.js';
export { Runner, VERSION } from './runner.js';
