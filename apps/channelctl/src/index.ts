export { ApiClient, ApiError } from './client.js';
export { parseChannelRef } from './commands.js';
