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
  type UpdatePolicy,
  updateSchema,
} from './channel-structure.js';
export {
  type ApplicationRef,
  applicationRef,
  type ChannelRef,
  channelRef,
  type InstanceRef,
  instanceId,
  parseApplicationRef,
  parseChannelRef,
  parseInstanceId,
} from './ids.js';
export { ChannelValidationError, formatIssue, type Issue, type ParseResult, unwrap } from './issues.js';
export {
  type ChannelLimits,
  channelBytes,
  type LoadedChannel,
  loadChannel,
  MAX_CHANNEL_BYTES,
  STRUCTURE_FILE,
  validateChannelFiles,
} from './load-channel.js';
export {
  COMMAND,
  COMMAND_HINT,
  ENV_NAME,
  IDENTIFIER,
  IDENTIFIER_HINT,
  INSTANCE_INDEX,
  isChannelRelativePath,
  TOPIC,
} from './names.js';
export {
  type BeatsMapping,
  type DispatchSettings,
  dispatchSettings,
  type EnrichSettings,
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
  type SyslogHeaderSettings,
  syslogHeaderSettings,
} from './node-types.js';
export { type ChannelFileSet, ownFiles } from './own-files.js';
export {
  type Pipeline,
  type PipelineNode,
  type PipelineSettings,
  parsePipeline,
  pipelineSchema,
  pipelineSettingsSchema,
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
