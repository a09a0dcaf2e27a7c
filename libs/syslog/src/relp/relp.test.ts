import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelpClientSession } from './client-session.js';
import {
  encodeRelpFrame,
  encodeRelpOk,
  nextTxnr,
  parseRelpResponse,
  type RelpFrame,
  RelpFrameDecoder,
  RelpProtocolError,
} from './frame.js';
import { parseOffers } from './offers.js';
import { RelpServerSession, type RelpServerStep, SERVERCLOSE } from './server-session.js';

// What omrelp (librelp 1.11.0) sends to open a session, byte for byte (protocols.md §3.3).
const LIBRELP_OPEN =
  '1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n';

const frames = (bytes: string | Buffer) =>
  new RelpFrameDecoder().push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
const wire = (step: RelpServerStep) => Buffer.concat(step.send).toString();

function serverAfterOpen(): RelpServerSession {
  const s = new RelpServerSession({ software: 'drover,test' });
  const [open] = frames(LIBRELP_OPEN);
  s.receive(open as RelpFrame);
  return s;
}

describe('RELP frames (relpframe.c)', () => {
  it('decodes librelp bytes split anywhere', () => {
    const bytes = Buffer.from(
      `${LIBRELP_OPEN}2 syslog 58 <13>2026-11-21T05:31:09.538824+00:00 vm myapp hello relp 1\n2 close 0\n`,
    );
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const d = new RelpFrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)), ...d.push(bytes.subarray(cut))];
      expect(got.map((f) => [f.txnr, f.command, f.data.length])).toEqual([
        [1, 'open', 86],
        [2, 'syslog', 58],
        [2, 'close', 0],
      ]);
    }
  });

  it('round-trips through the encoder, LF in data included', () => {
    const f = encodeRelpFrame(42, 'syslog', '<13>a\nb');
    expect(f.toString()).toBe('42 syslog 7 <13>a\nb\n');
    expect(frames(f)).toEqual([{ txnr: 42, command: 'syslog', data: Buffer.from('<13>a\nb') }]);
    expect(encodeRelpFrame(0, 'serverclose').toString()).toBe('0 serverclose 0\n');
  });

  it.each([
    ['a letter where TXNR starts', 'x open 0\n', 'INVALID_FRAME'],
    ['a 10-digit TXNR', '1234567890 open 0\n', 'INVALID_FRAME'],
    ['a digit in the command', '1 op3n 0\n', 'INVALID_FRAME'],
    ['SP after DATALEN 0', '2 close 0 \n', 'INVALID_FRAME'],
    ['a bad trailer', '2 syslog 3 abcX', 'INVALID_FRAME'],
    ['DATALEN over the limit', '2 syslog 200000 ', 'DATA_TOO_LONG'],
  ])('refuses %s', (_what, bytes, code) => {
    expect(() => frames(bytes)).toThrow(RelpProtocolError);
    try {
      frames(bytes);
    } catch (err) {
      expect((err as RelpProtocolError).code).toBe(code);
    }
  });

  it('wraps TXNR after 999,999,999 to 1', () => {
    expect(nextTxnr(999_999_999)).toBe(1);
    expect(nextTxnr(7)).toBe(8);
  });

  it('reads responses: the empty answer to close is success', () => {
    expect(parseRelpResponse(Buffer.from('200 OK'))).toEqual({ code: 200, message: 'OK', data: '' });
    expect(parseRelpResponse(Buffer.alloc(0)).code).toBe(200);
    expect(parseRelpResponse(Buffer.from('500 command disabled')).code).toBe(500);
    expect(parseOffers('relp_version=0\nrelp_software=a,b,c\ncommands=syslog').get('relp_software')).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('fuzz: any bytes, any cuts: only RelpProtocolError, never more than maxDataBytes held', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 100 }),
            fc
              .constantFrom('1 open 0\n', '2 syslog 5 ', 'hello\n', '99999 ', ' ', '\n', '3 rsp 6 200 OK\n')
              .map((s) => new TextEncoder().encode(s)),
          ),
          { maxLength: 40 },
        ),
        (chunks) => {
          const d = new RelpFrameDecoder({ maxDataBytes: 512 });
          try {
            for (const c of chunks) {
              for (const f of d.push(Buffer.from(c))) expect(f.data.length).toBeLessThanOrEqual(512);
              expect(d.buffered).toBeLessThanOrEqual(512);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(RelpProtocolError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('RelpServerSession (librelp server behaviour)', () => {
  it('answers librelp open with relp_version=0 and only commands=syslog', () => {
    const s = new RelpServerSession({ software: 'drover,0.1.0' });
    const [open] = frames(
      encodeRelpFrame(1, 'open', 'relp_version=1\ncommands=syslog,foo\nstarttls\nunknown=1,2'),
    );
    const step = s.receive(open as RelpFrame);
    expect(wire(step)).toBe('1 rsp 64 200 OK\nrelp_version=0\nrelp_software=drover,0.1.0\ncommands=syslog\n');
    expect(s.state).toBe('open');
  });

  it.each([
    [
      'without commands=syslog',
      '1 open 14 relp_version=0\n',
      '1 rsp 44 500 required command not supported by client\n',
    ],
    ['without relp_version', '1 open 15 commands=syslog\n', '1 rsp 26 500 error 10021 on connect\n'],
  ])('refuses open %s, then closes', (_what, bytes, answer) => {
    const s = new RelpServerSession();
    const step = s.receive(frames(bytes)[0] as RelpFrame);
    expect(wire(step)).toBe(`${answer}0 serverclose 0\n`);
    expect(step.close?.error?.code).toBe('INVALID_OFFER');
  });

  it('answers syslog before open with 500 command disabled, then closes', () => {
    const step = new RelpServerSession().receive(frames('1 syslog 3 abc\n')[0] as RelpFrame);
    expect(wire(step)).toBe('1 rsp 20 500 command disabled\n0 serverclose 0\n');
    expect(step.close?.error?.code).toBe('COMMAND_DISABLED');
    expect(step.close?.error?.message).toBe(
      'syslog before open: answered 500 command disabled (frame at byte 0, txnr 1)',
    );
  });

  it('closes on a TXNR out of sequence, as librelp does', () => {
    const s = serverAfterOpen();
    const step = s.receive(frames('5 syslog 3 abc\n')[0] as RelpFrame);
    expect(wire(step)).toBe('0 serverclose 0\n');
    expect(step.close?.error?.code).toBe('INVALID_TXNR');
  });

  it('hands messages over and answers them in TXNR order, whatever order they are confirmed in', () => {
    const s = serverAfterOpen();
    const got = frames('2 syslog 1 a\n3 syslog 1 b\n4 syslog 1 c\n').map((f) => s.receive(f));
    expect(got.flatMap((g) => g.messages.map((m) => [m.txnr, m.data.toString()]))).toEqual([
      [2, 'a'],
      [3, 'b'],
      [4, 'c'],
    ]);
    expect(wire(s.confirm(4))).toBe('');
    expect(wire(s.confirm(3))).toBe('');
    expect(wire(s.confirm(2))).toBe('2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 6 200 OK\n');
  });

  it('keeps TXNR order over long windows confirmed in any order (the queue compacts as it goes)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer(), (n, seed) => {
        const s = serverAfterOpen();
        const bytes = Array.from({ length: n }, (_, i) => `${i + 2} syslog 1 x\n`).join('');
        for (const f of frames(bytes)) s.receive(f);
        // Confirm in a scrambled order, in rounds, and read what goes out after each round.
        const order = Array.from({ length: n }, (_, i) => i + 2);
        let x = seed >>> 0;
        for (let i = order.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [order[i], order[j]] = [order[j] as number, order[i] as number];
        }
        const answered: number[] = [];
        for (const txnr of order) {
          for (const b of s.confirm(txnr).send) answered.push(Number(b.toString('latin1').split(' ')[0]));
        }
        expect(answered).toEqual(Array.from({ length: n }, (_, i) => i + 2));
        expect(s.unanswered).toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it('encodeRelpOk is the 200 OK frame encodeRelpFrame builds', () => {
    for (const txnr of [1, 42, 999_999_999]) {
      expect(encodeRelpOk(txnr)).toEqual(encodeRelpFrame(txnr, 'rsp', '200 OK'));
    }
    expect(() => encodeRelpOk(0)).toThrow(RangeError);
  });

  it('a failed message ends the session unanswered, never with 500 (librelp would drop it)', () => {
    const s = serverAfterOpen();
    for (const f of frames('2 syslog 1 a\n3 syslog 1 b\n')) s.receive(f);
    s.confirm(2);
    const step = s.fail(3, 'kafka down');
    expect(wire(step)).toBe('0 serverclose 0\n');
    expect(step.close?.reason).toMatch(/kafka down/);
    expect(wire(s.confirm(3))).toBe('');
  });

  it('answers close after the pending responses, with an empty rsp, then serverclose', () => {
    const s = serverAfterOpen();
    s.receive(frames('2 syslog 1 a\n')[0] as RelpFrame);
    expect(wire(s.receive(frames('3 close 0\n')[0] as RelpFrame))).toBe('');
    const step = s.confirm(2);
    expect(wire(step)).toBe(`2 rsp 6 200 OK\n3 rsp 0\n${SERVERCLOSE.toString()}`);
    expect(step.close).toBeDefined();
  });
});

describe('RelpClientSession against RelpServerSession', () => {
  /** Delivers frames between the two; the server confirms what `confirm` allows. */
  function exchange(
    client: RelpClientSession,
    server: RelpServerSession,
    toServer: Buffer[],
    confirm: (txnr: number) => boolean,
  ) {
    const acked: number[] = [];
    const received: string[] = [];
    let queue = toServer;
    let ended: string | undefined;
    while (queue.length > 0 && ended === undefined) {
      const next: Buffer[] = [];
      for (const f of frames(Buffer.concat(queue))) {
        const step = server.receive(f);
        const replies = [...step.send];
        for (const m of step.messages) {
          received.push(`${m.txnr}:${m.data.toString()}`);
          if (confirm(m.txnr)) replies.push(...server.confirm(m.txnr).send);
        }
        for (const r of frames(Buffer.concat(replies))) {
          const c = client.receive(r);
          acked.push(...c.acked);
          next.push(...c.send);
          if (c.ended !== undefined) ended = c.ended.reason;
        }
      }
      queue = next;
    }
    return { acked, received, ended };
  }

  it('resends what a lost session left unanswered, first, with new TXNRs', () => {
    const client = new RelpClientSession({ windowSize: 10 });
    const server1 = new RelpServerSession();
    const out = client.connect();
    const ids = ['m0', 'm1', 'm2'].map((m) => client.send(Buffer.from(m)).id);
    // Session 1 answers only the first message, then is lost.
    let first = true;
    const r1 = exchange(client, server1, out, () => {
      const ok = first;
      first = false;
      return ok;
    });
    expect(r1.acked).toEqual([ids[0]]);
    client.disconnected();
    client.send(Buffer.from('m3'));
    const r2 = exchange(client, new RelpServerSession(), client.connect(), () => true);
    expect(r1.received).toEqual(['2:m0', '3:m1', '4:m2']);
    // Session 2: the two unanswered ones first, renumbered from 2, then the new one.
    expect(r2.received).toEqual(['2:m1', '3:m2', '4:m3']);
    expect(r2.acked).toEqual([ids[1], ids[2], 3]);
    expect(client.unacknowledged).toBe(0);
  });
});
