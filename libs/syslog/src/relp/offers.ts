/**
 * RELP session offers (librelp `offers.c`, `copen.c`; protocols.md §3.3): the DATA of `open` and
 * of its response. One offer per line, `name[=value[,value...]]`, no LF after the last one.
 *
 * ```
 * relp_version=0
 * relp_software=librelp,1.11.0,http://librelp.adiscon.com
 * commands=syslog
 * ```
 */
import { RelpProtocolError } from './frame.js';

/** librelp's `RELP_CURR_PROTOCOL_VERSION`: what librelp sends and expects (not the spec's 1). */
export const RELP_PROTOCOL_VERSION = 0;

export type RelpOffers = ReadonlyMap<string, readonly string[]>;

/** librelp's limits (relp.h): feature names and values are cut there; more values are invalid. */
const MAX_NAME = 32;
const MAX_VALUE = 255;
const MAX_VALUES = 10;

/** Offers from an `open` DATA (or its response's command data). Throws INVALID_OFFER past librelp's limits. */
export function parseOffers(text: string, offset = 0, txnr?: number): Map<string, string[]> {
  const offers = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const name = (eq === -1 ? line : line.slice(0, eq)).slice(0, MAX_NAME);
    const values =
      eq === -1
        ? []
        : line
            .slice(eq + 1)
            .split(',')
            .filter((v) => v !== '');
    if (values.length > MAX_VALUES) {
      throw new RelpProtocolError(
        'INVALID_OFFER',
        `offer ${name} has more than ${MAX_VALUES} values`,
        offset,
        txnr,
      );
    }
    offers.set(
      name,
      values.map((v) => v.slice(0, MAX_VALUE)),
    );
  }
  return offers;
}

/** Offers as DATA text, in the order given. */
export function encodeOffers(offers: Iterable<readonly [string, readonly string[]]>): string {
  const lines: string[] = [];
  for (const [name, values] of offers) lines.push(values.length === 0 ? name : `${name}=${values.join(',')}`);
  return lines.join('\n');
}

/**
 * What a client offers on `open` (librelp `relpSessConnect`): relp_version 0, its software, and
 * `commands=syslog`, the one command rsyslog's imrelp requires.
 */
export function clientOpenOffers(software: string): string {
  return encodeOffers([
    ['relp_version', [String(RELP_PROTOCOL_VERSION)]],
    ['relp_software', [software]],
    ['commands', ['syslog']],
  ]);
}

/** `relp_version` of offers: a non-negative integer, or undefined when missing or not a number. */
export function offeredVersion(offers: RelpOffers): number | undefined {
  const v = offers.get('relp_version')?.[0];
  return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}
