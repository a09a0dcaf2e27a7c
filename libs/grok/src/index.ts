export {
  type Capture,
  type CaptureType,
  type CompiledExpression,
  compileExpression,
  fieldPath,
} from './compile.js';
export {
  type Definitions,
  loadDefinitionsDir,
  mergeDefinitions,
  PATTERNS_DIR,
  type PatternDefinition,
  parseDefinitions,
  standardDefinitions,
} from './definitions.js';
export { GrokError, type GrokErrorCode } from './errors.js';
export { Grok, type GrokMatch, type GrokOptions } from './grok.js';
