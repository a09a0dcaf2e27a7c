/** Field schemas shared by the structures: names, memory, durations. */
import { z } from 'zod';
import {
  COMMAND,
  ENV_NAME,
  IDENTIFIER,
  IDENTIFIER_HINT,
  INDEX_TEMPLATE,
  INDEX_TEMPLATE_HINT,
  isChannelRelativePath,
  SQL_IDENTIFIER,
  SQL_IDENTIFIER_HINT,
  TOPIC,
} from './names.js';
import { parseDuration, parseMemory } from './units.js';

export const identifier = z.string().regex(IDENTIFIER, IDENTIFIER_HINT);

export const command = z.string().superRefine((cmd, ctx) => {
  if (!COMMAND.test(cmd)) {
    ctx.addIssue({
      code: 'custom',
      message: `command ${JSON.stringify(cmd)}: must be a bare command name resolved by the runner's allow-list, not a path or shell text`,
    });
  }
});

/** Memory quantity (`256Mi`, `1Gi`, bytes) parsed to bytes. */
export const memory = z.union([z.string(), z.number()]).transform((input, ctx) => {
  const parsed = parseMemory(input);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.bytes;
});

/** Duration (`1s`, `2m`, `1m30s`) parsed to milliseconds. */
export const duration = z.union([z.string(), z.number()]).transform((input, ctx) => {
  const parsed = parseDuration(input);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  }
  return parsed.ms;
});

export const topicName = z
  .string()
  .regex(TOPIC, 'invalid Kafka topic name: 1 to 249 characters among letters, digits, ".", "_" and "-"')
  .refine((name) => name !== '.' && name !== '..', 'invalid Kafka topic name: "." and ".." are not allowed');

export const indexTemplateName = z
  .string()
  .regex(INDEX_TEMPLATE, `invalid index template name: ${INDEX_TEMPLATE_HINT}`);

export const channelFile = z
  .string()
  .refine(
    isChannelRelativePath,
    'must be a relative path inside the channel directory (no leading "/", no "..")',
  );

export const envMap = z.record(
  z.string().regex(ENV_NAME, 'environment variable names match [A-Za-z_][A-Za-z0-9_]*'),
  z.string(),
);

export const positiveInt = (what: string) =>
  z.number().int(`${what} must be a whole number`).min(1, `${what} must be at least 1`);

export const sqlIdentifier = z.string().regex(SQL_IDENTIFIER, SQL_IDENTIFIER_HINT);
