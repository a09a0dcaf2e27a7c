/**
 * RFC 5424 STRUCTURED-DATA (§6.3), pure:
 *
 * ```
 * STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
 * SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
 * SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
 * SD-ID, PARAM-NAME = 1*32 PRINTUSASCII except '=', SP, ']', %d34
 * ```
 *
 * In PARAM-VALUE, `\"`, `\\` and `\]` stand for `"`, `\` and `]` (§6.3.3); a backslash before
 * any other character is kept as it is. A `]` that a sender left unescaped inside the quotes is
 * part of the value (the quotes make it unambiguous). SD-ELEMENTs follow each other without a
 * space. The 32-character limits are not enforced: a longer name is still unambiguous.
 */
import type { StructuredDataParams } from './header-schema.js';

export interface StructuredDataRead {
  readonly kind: 'sd';
  /** STRUCTURED-DATA as written, `null` for the NILVALUE. */
  readonly text: string | null;
  readonly params: StructuredDataParams | null;
  /** Index after the STRUCTURED-DATA. */
  readonly end: number;
}

export interface StructuredDataInvalid {
  readonly kind: 'invalid';
  readonly offset: number;
  readonly detail: string;
}

/** The STRUCTURED-DATA starting at `at`. */
export function readStructuredData(line: string, at: number): StructuredDataRead | StructuredDataInvalid {
  const length = line.length;
  const first = line.charCodeAt(at);
  if (first === 45 /* - */) return { kind: 'sd', text: null, params: null, end: at + 1 };
  if (first !== 91 /* [ */) return invalid(at, 'STRUCTURED-DATA is neither "-" nor "["');
  const params: Record<string, Record<string, string | string[]>> = Object.create(null);
  let i = at;
  while (i < length && line.charCodeAt(i) === 91) {
    const idStart = i + 1;
    i = scanName(line, idStart);
    if (i === idStart) return invalid(idStart, 'SD-ID missing');
    const id = line.slice(idStart, i);
    if (Object.hasOwn(params, id)) return invalid(idStart, `SD-ID "${id}" appears twice (RFC 5424 §6.3.2)`);
    const element: Record<string, string | string[]> = Object.create(null);
    params[id] = element;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 93 /* ] */) {
        i++;
        break;
      }
      if (c !== 32) return invalid(i, `SD-ELEMENT "${id}" not closed`);
      const nameStart = i + 1;
      i = scanName(line, nameStart);
      if (i === nameStart) return invalid(nameStart, `PARAM-NAME missing in "${id}"`);
      const name = line.slice(nameStart, i);
      if (line.charCodeAt(i) !== 61 /* = */ || line.charCodeAt(i + 1) !== 34 /* " */) {
        return invalid(i, `PARAM "${name}" in "${id}" is not name="value"`);
      }
      const value = scanValue(line, i + 2);
      if (value === null) return invalid(i + 2, `PARAM-VALUE of "${name}" in "${id}" not closed`);
      i = value.end;
      const previous = element[name];
      if (previous === undefined) element[name] = value.text;
      else if (typeof previous === 'string') element[name] = [previous, value.text];
      else previous.push(value.text);
    }
  }
  return { kind: 'sd', text: line.slice(at, i), params, end: i };
}

/** End of an SD-ID or PARAM-NAME: printable US-ASCII but `=`, SP, `]`, `"`. */
function scanName(line: string, at: number): number {
  let i = at;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 61 || c === 93 || c === 34) break;
  }
  return i;
}

/** A PARAM-VALUE from `at` (after the opening quote) to its closing quote, unescaped. */
function scanValue(line: string, at: number): { readonly text: string; readonly end: number } | null {
  let text = '';
  let from = at;
  for (let i = at; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34 /* " */) return { text: text + line.slice(from, i), end: i + 1 };
    if (c === 92 /* \ */ && i + 1 < line.length) {
      const next = line.charCodeAt(i + 1);
      if (next === 34 || next === 92 || next === 93) {
        text += line.slice(from, i);
        from = i + 1;
      }
      i++;
    }
  }
  return null;
}

function invalid(offset: number, detail: string): StructuredDataInvalid {
  return { kind: 'invalid', offset, detail };
}
