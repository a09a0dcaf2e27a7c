export * from './api-errors.js';
export { digestOf, stableJson } from './digest.js';
export * from './live.js';
export * from './pipeline-stats.js';
export * from './rates.js';
export * from './records.js';
export * from './view.js';
