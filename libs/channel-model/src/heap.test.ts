import { describe, expect, it } from 'vitest';
import { parseChannelStructure } from './channel-structure.js';
import { defaultHeapBytes, heapCaps, heapFits, maxHeapBytes, runtimeOverheadBytes } from './heap.js';
import { formatIssue } from './issues.js';

const Mi = 1024 * 1024;

describe('the heap rule: heap + max(64 MiB, 25% of heap) <= memory_limit', () => {
  it('computes the overhead, the fit and the largest heap', () => {
    expect(runtimeOverheadBytes(96 * Mi)).toBe(64 * Mi);
    expect(runtimeOverheadBytes(1024 * Mi)).toBe(256 * Mi);
    expect(heapFits(96 * Mi, 256 * Mi)).toBe(true);
    expect(heapFits(192 * Mi, 256 * Mi)).toBe(true);
    expect(heapFits(193 * Mi, 256 * Mi)).toBe(false);
    expect(maxHeapBytes(256 * Mi)).toBe(192 * Mi);
    expect(maxHeapBytes(1024 * Mi)).toBe(819 * Mi);
    expect(maxHeapBytes(32 * Mi)).toBe(0);
    for (const limit of [80, 128, 192, 256, 300, 320, 512, 2048].map((n) => n * Mi)) {
      const max = maxHeapBytes(limit);
      expect(heapFits(max, limit)).toBe(true);
      expect(heapFits(max + Mi, limit)).toBe(false);
    }
  });

  it('gives a punchline without -Xmx 75% of its limit, lowered to what fits', () => {
    expect(defaultHeapBytes(256 * Mi)).toBe(192 * Mi);
    expect(defaultHeapBytes(512 * Mi)).toBe(384 * Mi);
    expect(defaultHeapBytes(192 * Mi)).toBe(128 * Mi);
    expect(defaultHeapBytes(64 * Mi)).toBe(16 * Mi);
  });

  it('finds caps in --childopts, java -Xmx, --max-old-space-size and NODE_OPTIONS', () => {
    expect(heapCaps({ command: 'punchlinectl', args: ['start', '--childopts', '-Xms96m -Xmx96m'] })).toEqual([
      { bytes: 96 * Mi, text: '-Xmx96m', path: ['args', 2] },
    ]);
    expect(heapCaps({ command: 'java', args: ['-Xmx2G', '-jar', 'x.jar'] })).toEqual([
      { bytes: 2048 * Mi, text: '-Xmx2G', path: ['args', 0] },
    ]);
    expect(
      heapCaps({
        command: 'node',
        args: ['--max-old-space-size=512', 'worker.js', '--max_old_space_size', '64'],
        env: { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=300' },
      }),
    ).toEqual([
      { bytes: 512 * Mi, text: '--max-old-space-size=512', path: ['args', 0] },
      { bytes: 64 * Mi, text: '--max_old_space_size=64', path: ['args', 2] },
      { bytes: 300 * Mi, text: '--max-old-space-size=300', path: ['env', 'NODE_OPTIONS'] },
    ]);
    expect(heapCaps({ command: 'node', args: ['-Xmx1g'] })).toEqual([]);
  });
});

describe('channel_structure.yaml: a heap cap that does not fit under memory_limit', () => {
  const channel = (app: string) =>
    `version: "6.0"\napplications:\n  - name: a\n    runtime: shiva\n    cluster: c\n${app}`;

  it('is refused with file:line:column, naming the cap and the limit (issue 15)', () => {
    const result = parseChannelStructure(
      channel(
        '    command: punchlinectl\n    args: [start, --punchline, p.yaml, --childopts, "-Xms1g -Xmx1g"]\n    memory_limit: 256Mi\n',
      ),
      { file: 'cs.yaml' },
    );
    expect(result.ok).toBe(false);
    expect(result.issues.map(formatIssue)).toEqual([
      "cs.yaml:7:53: applications[0].args[4]: heap cap -Xmx1g (1024 MiB) does not fit under memory_limit 256Mi (256 MiB): the heap plus the runtime's overhead, max(64 MiB, 25% of the heap), needs 1280 MiB; lower the heap to at most 192 MiB or raise memory_limit",
    ]);
  });

  it('checks NODE_OPTIONS and --max-old-space-size of a node command', () => {
    const result = parseChannelStructure(
      channel(
        '    command: node\n    args: [--max-old-space-size=200, worker.js]\n    memory_limit: 256Mi\n    env:\n      NODE_OPTIONS: --max-old-space-size=4096\n',
      ),
      { file: 'cs.yaml' },
    );
    expect(result.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '7:12 applications[0].args[0]',
      '10:21 applications[0].env.NODE_OPTIONS',
    ]);
  });

  it('accepts a heap that fits, and says nothing without memory_limit', () => {
    const fits = parseChannelStructure(
      channel(
        '    command: punchlinectl\n    args: [start, --punchline, p.yaml, --childopts, "-Xmx192m"]\n    memory_limit: 256Mi\n',
      ),
      { file: 'cs.yaml' },
    );
    expect(fits.issues).toEqual([]);
    const unlimited = parseChannelStructure(
      channel('    command: punchlinectl\n    args: [start, --punchline, p.yaml, --childopts, "-Xmx8g"]\n'),
      { file: 'cs.yaml' },
    );
    expect(unlimited.issues).toEqual([]);
  });
});
