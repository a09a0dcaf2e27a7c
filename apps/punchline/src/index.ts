export { prometheus } from './metrics.js';
