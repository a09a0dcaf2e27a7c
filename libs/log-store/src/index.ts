export {
  DEFAULT_SCHEMA,
  DEFAULT_TABLE,
  type LogTableRef,
  qualifiedName,
  SEVERITIES,
  sqlName,
  TEXT_SEARCH_CONFIG,
} from './contract.js';
export {
  type Cursor,
  CursorError,
  decodeCursor,
  encodeCursor,
  eventStatement,
  MAX_LIMIT,
  MESSAGE_PREVIEW_CHARS,
  pageOf,
  type SearchHit,
  type SearchQuery,
  type SearchResult,
  searchHitSchema,
  searchQuerySchema,
  searchResultSchema,
  searchStatement,
} from './search.js';
export { LogStore, LogStoreError, type LogStoreErrorCode, type LogStoreOptions } from './store.js';
