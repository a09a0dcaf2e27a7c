export { ApiClient, ApiError } from './client.js';
export { channelArgument } from './commands.js';
