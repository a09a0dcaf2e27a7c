import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, out: { isTTY, columns: 80, write: (t: string) => chunks.push(t) } };
}

describe('start-up progress', () => {
  it('prints numbered steps with their duration and outcome, details at most every five seconds, off a terminal', () => {
    let now = 0;
    const { chunks, out } = stream(false);
    const progress = new Progress(out, 3, () => now);
    const kafka = progress.step('kafka');
    now = 1_000;
    kafka.detail('downloading kafka from Maven Central: 1.0 of about 46.0 MB');
    now = 6_000;
    kafka.detail('downloading kafka from Maven Central: 30.0 of about 46.0 MB');
    now = 12_500;
    kafka.done();
    progress.step('search').fail('port 9200 is in use');
    expect(chunks.join('')).toBe(
      [
        '[1/3] kafka ...',
        '[1/3] kafka (6.0 s): downloading kafka from Maven Central: 30.0 of about 46.0 MB',
        '[1/3] kafka: done (13 s)',
        '[2/3] search ...',
        '[2/3] search: FAILED: port 9200 is in use (0.0 s)',
        '',
      ].join('\n'),
    );
  });

  it('redraws the current step in place on a terminal, cut to its width', () => {
    const { chunks, out } = stream(true);
    const progress = new Progress(out, 1, () => 0);
    const step = progress.step('rsyslog');
    step.detail(`Get:1 http://deb.debian.org/debian bookworm/main amd64 rsyslog ${'x'.repeat(200)}`);
    step.done();
    const drawn = chunks.filter((c) => c.startsWith('\r\x1b[2K[1/1]') && !c.endsWith('\n'));
    expect(drawn.length).toBeGreaterThan(0);
    for (const d of drawn) expect(d.length - '\r\x1b[2K'.length).toBeLessThanOrEqual(79);
    expect(chunks.at(-1)).toBe('\r\x1b[2K[1/1] rsyslog: done (0.0 s)\n');
  });
});
