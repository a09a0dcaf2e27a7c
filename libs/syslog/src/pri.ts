/**
 * PRI (RFC 5424 §6.2.1, RFC 3164 §4.1.1): `<` PRIVAL `>`, PRIVAL = 1 to 3 digits, 0..191,
 * facility * 8 + severity. Leading zeros (`<013>`) are accepted: RFC 3164 does not forbid them
 * and a value is still unambiguous. Pure.
 */

/** PRIVAL of the PRI starting at `at` (where `line[at]` is `<`), or `null` when it is not a valid PRI. */
export function readPri(line: string, at: number): { readonly value: number; readonly end: number } | null {
  const end = line.length;
  let i = at + 1;
  let value = 0;
  while (i < end && i <= at + 3) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
    value = value * 10 + (c - 48);
    i++;
  }
  if (i === at + 1 || i >= end || line.charCodeAt(i) !== 62 /* > */ || value > 191) return null;
  return { value, end: i + 1 };
}
