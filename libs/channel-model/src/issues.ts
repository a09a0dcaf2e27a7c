/** One problem in one input file, positioned for an operator's editor. */
export interface Issue {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Field path, e.g. `applications[1].memory_limit`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly issues: readonly [] }
  | { readonly ok: false; readonly issues: readonly Issue[] };

/** `file:line:column: path: message`, the format compilers use, so editors can jump to it. */
export function formatIssue(issue: Issue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** For callers that prefer throwing: carries every issue, and prints them one per line. */
export class ChannelValidationError extends Error {
  readonly code = 'CHANNEL_INVALID';
  readonly issues: readonly Issue[];

  constructor(issues: readonly Issue[], subject = 'invalid input') {
    super(`${subject}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ChannelValidationError';
    this.issues = issues;
  }
}

/** The value of a result, or a ChannelValidationError with all its issues. */
export function unwrap<T>(result: ParseResult<T>, subject?: string): T {
  if (result.ok) return result.value;
  throw new ChannelValidationError(result.issues, subject);
}
