export { parseSyslog, type SyslogHeader as SyslogHeaderFields, SyslogHeaderError } from '@drover/syslog';
export { type BuildContext, buildPipeline } from './build.js';
export {
  type ComponentStats,
  Engine,
  type EngineNode,
  type EngineOptions,
  type EngineStats,
  ERRORS_STREAM,
  errorDocument,
} from './engine.js';
export { PipelineError } from './errors.js';
export { bucketPath, eventTime, fileId, safeSegment } from './nodes/archive/file-name.js';
export { FileOutput, IN_PROGRESS } from './nodes/archive/file-output.js';
export { gzipMember, wholeMembersLength } from './nodes/archive/gzip-members.js';
export type { ElasticsearchOutputStats } from './nodes/elasticsearch-output.js';
export { FileInput } from './nodes/file-input.js';
export { compileMessage, GeneratorInput, rfc3164Time } from './nodes/generator-input.js';
export { addTag, GrokNode } from './nodes/grok.js';
export { globMatcher, HarvestInput } from './nodes/harvest-input.js';
export { KafkaInput } from './nodes/kafka-input.js';
export { KafkaOutput } from './nodes/kafka-output.js';
export { LumberjackInput } from './nodes/lumberjack-input.js';
export { LumberjackOutput } from './nodes/lumberjack-output.js';
export { Pack, PackError, packableLine, Unpack, unpackJsonArray, unpackLines } from './nodes/pack.js';
export {
  copyLine,
  createStatements,
  type LogTable,
  logTable,
  pgText,
  toRow,
} from './nodes/postgres/log-table.js';
export { Dispatch, Enrich, FormatSwitch, FunctionNode, fieldAt, SyslogHeader } from './nodes/processing.js';
export { type FeederStats, type RecordDecoder, SpoolFeeder } from './nodes/spool-feeder.js';
export { SyslogInput, type SyslogInputCounters, type SyslogTransport } from './nodes/syslog-input.js';
export { SyslogOutput, type SyslogOutputStats } from './nodes/syslog-output.js';
export { ThreadedNode, type ThreadOptions } from './threads/threaded-node.js';
export type {
  DeferredProcessingNode,
  Delivery,
  Emit,
  Fields,
  HeldEvent,
  InputContext,
  InputNode,
  JoinContext,
  NodeLogger,
  Outcome,
  OutputNode,
  PipelineNodeImpl,
  ProcessingNode,
  ProcessResult,
} from './types.js';
export { RejectedEvent } from './types.js';
