/**
 * The processing nodes, built from their settings: what both the pipeline's thread and the worker
 * threads build (a worker imports only this, not the inputs' and outputs' clients).
 */
import {
  dispatchSettings,
  enrichSettings,
  formatSwitchSettings,
  functionSettings,
  grokSettings,
  type PipelineNode,
  syslogHeaderSettings,
} from '@drover/channel-model';
import { PipelineError } from './errors.js';
import { GrokNode } from './nodes/grok.js';
import { Dispatch, Enrich, FormatSwitch, FunctionNode, SyslogHeader } from './nodes/processing.js';
import type { NodeSpec } from './threads/protocol.js';
import type { ProcessingNode } from './types.js';

/** The node's first published stream that is not reserved: where it emits its events. */
export function dataStream(node: Pick<PipelineNode, 'component' | 'publish'>): string {
  const stream = node.publish.find((p) => !p.stream.startsWith('_ppf_'))?.stream;
  if (stream === undefined) throw new PipelineError('publishes no data stream', node.component);
  return stream;
}

/** A processing node on the pipeline's thread. */
export async function processingNode(node: PipelineNode, baseDir: string): Promise<ProcessingNode> {
  switch (node.type) {
    case 'format_switch':
      return new FormatSwitch(formatSwitchSettings.parse(node.settings));
    case 'syslog_header':
      return new SyslogHeader(syslogHeaderSettings.parse(node.settings), dataStream(node));
    case 'enrich':
      return Enrich.load(enrichSettings.parse(node.settings), dataStream(node), baseDir);
    case 'dispatch':
      return new Dispatch(dispatchSettings.parse(node.settings));
    case 'function':
      return FunctionNode.load(functionSettings.parse(node.settings), baseDir);
    case 'grok':
      return GrokNode.load(grokSettings.parse(node.settings), dataStream(node), baseDir);
    default:
      throw new PipelineError(`node type ${node.type} is not a processing node`, node.component);
  }
}

/** Builds a processing node inside a worker thread (threads/node-worker.ts). */
export function buildProcessingNode(spec: NodeSpec): Promise<ProcessingNode> {
  return processingNode(
    {
      type: spec.type,
      component: spec.component,
      settings: { ...spec.settings },
      publish: [...spec.publish],
      subscribe: [],
    } as unknown as PipelineNode,
    spec.baseDir,
  );
}
