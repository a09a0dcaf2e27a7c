export * from './api-errors.js';
export * from './audit.js';
export { digestOf, stableJson, uploadDigest } from './digest.js';
export * from './heartbeat.js';
export * from './live.js';
export * from './pipeline-stats.js';
export * from './rates.js';
export * from './records.js';
export * from './view.js';
