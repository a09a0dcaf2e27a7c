export {
  BULK_FILTER_PATH,
  type BulkAction,
  type BulkOp,
  BulkResponseError,
  bulkOutcomes,
  encodeBulkItem,
  errorReason,
  type ItemOutcome,
  itemOutcome,
} from './bulk.js';
export {
  type BulkParams,
  connectSearch,
  type IndexTemplateBody,
  type SearchClient,
  type SearchClientOptions,
  type SearchErrorCode,
  SearchRequestError,
} from './client.js';
export {
  compileIndexName,
  fieldAtPath,
  INDEX_PATTERN,
  IndexNameError,
  type IndexNamer,
  timestampMs,
} from './index-name.js';
export {
  DECLARATION_META_KEY,
  ensureIndexTemplates,
  type IndexTemplateReport,
  type IndexTemplateSpec,
  type IndexTemplateState,
  templateDigest,
  withDeclaration,
} from './templates.js';
