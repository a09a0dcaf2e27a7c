export {
  type Application,
  applicationSchema,
  type ChannelStructure,
  type ChannelStructureOptions,
  channelStructureSchema,
  type KafkaTopicResource,
  kafkaTopicSchema,
  parseChannelStructure,
  pipelineFileOf,
} from './channel-structure.js';
export { ChannelValidationError, formatIssue, type Issue, type ParseResult, unwrap } from './issues.js';
export { type LoadedChannel, loadChannel, STRUCTURE_FILE, validateChannelFiles } from './load-channel.js';
export { COMMAND, IDENTIFIER, isChannelRelativePath } from './names.js';
export {
  type BeatsMapping,
  type DispatchSettings,
  dispatchSettings,
  type ElasticsearchOutputSettings,
  type EnrichSettings,
  elasticsearchOutputSettings,
  enrichSettings,
  type FileInputSettings,
  type FormatSwitchSettings,
  type FunctionSettings,
  fileInputSettings,
  formatSwitchSettings,
  functionSettings,
  type GeneratorInputSettings,
  generatorInputSettings,
  type KafkaInputSettings,
  type KafkaOutputSettings,
  kafkaInputSettings,
  kafkaOutputSettings,
  type LumberjackInputSettings,
  type LumberjackOutputSettings,
  lumberjackInputSettings,
  lumberjackOutputSettings,
  type NodeKind,
  type NodeType,
  type NodeTypeName,
  nodeTypeNames,
  nodeTypes,
  type PackSettings,
  packSettings,
  type SyslogHeaderSettings,
  type SyslogOutputSettings,
  syslogHeaderSettings,
  syslogOutputSettings,
  type UnpackSettings,
  unpackSettings,
} from './node-types.js';
export {
  type Pipeline,
  type PipelineNode,
  parsePipeline,
  pipelineSchema,
  RESERVED_FIELDS,
  RESERVED_STREAMS,
} from './pipeline.js';
export {
  defaultPlatformConfig,
  type PlatformConfig,
  parsePlatformConfig,
  platformConfigSchema,
} from './platform-config.js';
export { quartzError, quartzSchedule } from './quartz.js';
export { parseDuration, parseMemory } from './units.js';
