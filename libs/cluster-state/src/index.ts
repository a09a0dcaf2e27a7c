export * from './api-errors.js';
export { digestOf, stableJson } from './digest.js';
export * from './records.js';
export * from './view.js';
