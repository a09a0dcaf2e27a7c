/**
 * The node types a pipeline may use, with their kind and settings schema. Settings are loose for
 * now (the pipeline runtime tightens each type's schema in its own module); adding a type is one
 * entry here.
 */
import { z } from 'zod';

export type NodeKind = 'input' | 'processing' | 'output';

export interface NodeType {
  readonly kind: NodeKind;
  readonly settings: z.ZodType<Record<string, unknown>>;
}

const loose = z.record(z.string(), z.unknown());

export const nodeTypes = {
  lumberjack_input: { kind: 'input', settings: loose },
  syslog_input: { kind: 'input', settings: loose },
  kafka_input: { kind: 'input', settings: loose },
  format_switch: { kind: 'processing', settings: loose },
  syslog_header: { kind: 'processing', settings: loose },
  dispatch: { kind: 'processing', settings: loose },
  enrich: { kind: 'processing', settings: loose },
  function: { kind: 'processing', settings: loose },
  lumberjack_output: { kind: 'output', settings: loose },
  kafka_output: { kind: 'output', settings: loose },
} as const satisfies Record<string, NodeType>;

export type NodeTypeName = keyof typeof nodeTypes;

export const nodeTypeNames = Object.keys(nodeTypes) as NodeTypeName[];
