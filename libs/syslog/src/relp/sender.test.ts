import { describe, expect, it } from 'vitest';
import {
  encodeCommand,
  nextTxnr,
  openOffers,
  parseOffers,
  parseResponse,
  RELP_MAX_TXNR,
  RelpProtocolError,
  RelpResponseDecoder,
} from './sender.js';

describe('RELP sender codec', () => {
  it('encodes commands as librelp does (no SP or DATA when DATALEN is 0)', () => {
    expect(encodeCommand(2, 'syslog', '<13>hello').toString()).toBe('2 syslog 9 <13>hello\n');
    expect(encodeCommand(3, 'close', Buffer.alloc(0)).toString()).toBe('3 close 0\n');
    expect(openOffers()).toBe('relp_version=0\nrelp_software=drover\ncommands=syslog');
    expect(nextTxnr(RELP_MAX_TXNR)).toBe(1);
  });

  it('decodes responses cut anywhere, LF inside DATA included', () => {
    const wire = Buffer.from(
      '1 rsp 93 200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n2 rsp 6 200 OK\n3 rsp 0\n0 serverclose 0\n',
    );
    for (const cut of [1, 7, 50, 98, 110]) {
      const decoder = new RelpResponseDecoder();
      const frames = [...decoder.push(wire.subarray(0, cut)), ...decoder.push(wire.subarray(cut))];
      expect(frames.map((f) => `${f.txnr} ${f.command}`)).toEqual([
        '1 rsp',
        '2 rsp',
        '3 rsp',
        '0 serverclose',
      ]);
      const open = parseResponse(frames[0]?.data as Buffer);
      expect(open.code).toBe(200);
      expect(parseOffers(open.data).get('commands')).toEqual(['syslog']);
      expect(parseResponse(frames[2]?.data as Buffer).code).toBe(200); // librelp's empty rsp to close
    }
  });

  it('refuses what librelp refuses, naming the byte', () => {
    const bad = ['x rsp 0\n', '1 rsp 0 \n', '1 rsp 2 OK!', '1234567890 rsp 0\n', '1 r5p 0\n'];
    for (const text of bad) {
      expect(() => new RelpResponseDecoder().push(Buffer.from(text)), text).toThrow(RelpProtocolError);
    }
    expect(() => new RelpResponseDecoder(10).push(Buffer.from('1 rsp 11 '))).toThrow(
      /DATALEN 11 over the limit/,
    );
    expect(() => parseResponse(Buffer.from('OK'))).toThrow(/3-digit code/);
    expect(parseResponse(Buffer.from('500 command disabled'))).toEqual({
      code: 500,
      text: 'command disabled',
      data: '',
    });
  });
});
