/**
 * Heap caps and the hard memory limit they must fit under.
 *
 * A runtime with a heap cap (V8's `--max-old-space-size`, the JVM's `-Xmx`) fails with a clean
 * heap error when the heap is full; the hard limit (`memory_limit`, a cgroup or the watchdog)
 * kills without a word. That error comes first only when the heap plus everything the runtime
 * holds outside it fits under the limit. The rule:
 *
 *     heap + max(64 MiB, 25% of heap) <= memory_limit
 *
 * 64 MiB is what a bare Node process holds outside its old space (code, young generation, the
 * runtime's own allocations: ~45-55 MB measured); 25% covers what grows with the heap (young
 * generation, external buffers, the GC's own structures). The rule refuses what cannot work; it
 * promises no RSS: `reftenant/receiver` runs `-Xmx96m` under 256Mi (160 MiB by the rule) and
 * measured ~205 MB RSS at full rate, its Kafka producer thread being a second V8 isolate. Measure
 * a pipeline with the receiver bench before trusting a tight limit.
 *
 * Where caps come from: `--childopts "-Xmx..."` of a `punchlinectl` application (Punch's JVM
 * option, which the runner turns into `--max-old-space-size`), `-Xmx...` in the arguments of a
 * `java` command, `--max-old-space-size=N` in the arguments, and `--max-old-space-size=N` in the
 * application's `NODE_OPTIONS` (which overrides the runner's).
 */

const MiB = 1024 * 1024;

/** What a runtime holds outside its heap, at least (bytes). */
export const RUNTIME_OVERHEAD_MIN_BYTES = 64 * MiB;
/** What a runtime holds outside its heap, as a share of the heap. */
export const RUNTIME_OVERHEAD_RATIO = 0.25;
/** The smallest heap the runner gives a punchline (V8 needs some room to start). */
export const MIN_HEAP_BYTES = 16 * MiB;

/** Memory a runtime needs beyond a heap of `heapBytes` (the rule above). */
export function runtimeOverheadBytes(heapBytes: number): number {
  return Math.max(RUNTIME_OVERHEAD_MIN_BYTES, Math.ceil(heapBytes * RUNTIME_OVERHEAD_RATIO));
}

/** True when a heap of `heapBytes` and its overhead fit under `limitBytes`. */
export function heapFits(heapBytes: number, limitBytes: number): boolean {
  return heapBytes + runtimeOverheadBytes(heapBytes) <= limitBytes;
}

/** The largest heap (whole MiB, in bytes) that fits under `limitBytes`; 0 when none does. */
export function maxHeapBytes(limitBytes: number): number {
  // Above 256 MiB of heap the 25% term dominates: heap * 1.25 <= limit.
  const proportional = Math.floor(limitBytes / (1 + RUNTIME_OVERHEAD_RATIO) / MiB) * MiB;
  const fixed = Math.floor((limitBytes - RUNTIME_OVERHEAD_MIN_BYTES) / MiB) * MiB;
  const best = proportional * RUNTIME_OVERHEAD_RATIO >= RUNTIME_OVERHEAD_MIN_BYTES ? proportional : fixed;
  return Math.max(0, best);
}

/**
 * The heap the runner gives a punchline without `-Xmx`: 75% of the limit, lowered to what fits
 * by the rule, never under MIN_HEAP_BYTES (whole MiB, in bytes).
 */
export function defaultHeapBytes(limitBytes: number): number {
  const threeQuarters = Math.floor((limitBytes * 0.75) / MiB) * MiB;
  return Math.max(MIN_HEAP_BYTES, Math.min(threeQuarters, maxHeapBytes(limitBytes)));
}

/** The largest semi-space the runner gives a punchline (MiB): V8's young generation is twice it. */
export const MAX_SEMI_SPACE_MIB = 16;

/**
 * V8's `--max-semi-space-size` (MiB) for a punchline with a heap of `heapBytes`: a quarter of the
 * heap, between 1 and MAX_SEMI_SPACE_MIB. Without it, Node 24's V8 lets the young generation grow
 * to 2 x 64 MiB whatever the old space: a receiver at full rate then touched ~290 MB of RSS (over
 * its 256Mi limit) and spent 40 us of CPU per event, against ~190 MB and ~19 us with 16 MiB
 * semi-spaces (test/bench/receiver.bench.ts, README "Benchmarks"): the events in flight survive a
 * scavenge whatever its size, and a smaller young generation stays in the caches.
 */
export function semiSpaceMiB(heapBytes: number): number {
  return Math.min(MAX_SEMI_SPACE_MIB, Math.max(1, Math.floor(heapBytes / MiB / 4)));
}

/**
 * V8 flags punchlinectl sets on itself when it starts (`v8.setFlagsFromString`: V8 does not take
 * them in NODE_OPTIONS, and it reads this one at every decision, not only at start-up).
 *
 * `--incremental-marking-hard-trigger=75`: V8 starts marking the old generation, incrementally and
 * at once, when it holds 75% of its allocation limit, and not before. Its own rule
 * (Heap::IncrementalMarkingLimitReached, V8 13.6 in Node 24) starts marking as soon as the room
 * left under the limit is no more than the new space (two semi-spaces), and after a mark-compact
 * it leaves max(live x (growing factor - 1), 8 MiB) plus one semi-space of room. Under a small
 * cap that room never exceeds two semi-spaces: the receiver (96 MB, 16 MiB semi-spaces) had
 * 24-29 MB against 32 after every mark-compact, so marking started again at the next scavenge,
 * and every mark-compact promoted the events then in flight: 400 mark-compacts in one bench run.
 * Smaller semi-spaces do not help (8 MiB: 16-17 MB of room against 16). The soft trigger (a task
 * starts marking) left the mark-compacts atomic: 39 ms at the median, 162 at most, on the bench
 * machine. The hard one starts marking from the allocation itself: 29-30 ms at the median, 59 at
 * most, 97-100 mark-compacts a run against 400 without a trigger (test/bench/receiver.bench.ts
 * with --trace-gc-nvp, README "Benchmarks").
 */
export const PIPELINE_V8_FLAGS: readonly string[] = ['--incremental-marking-hard-trigger=75'];

/** One heap cap found in an application. */
export interface HeapCap {
  readonly bytes: number;
  /** As written, e.g. `-Xmx1g` or `--max-old-space-size=512`. */
  readonly text: string;
  /** Where, relative to the application: `['args', 3]` or `['env', 'NODE_OPTIONS']`. */
  readonly path: readonly (string | number)[];
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB };

/** The JVM's `-Xmx` sizes: a number of bytes with an optional k, m, g or t (any case). */
function xmx(text: string): { bytes: number; text: string } | undefined {
  const m = /(?:^|\s)(-Xmx(\d+)([kKmMgGtT]?))(?=\s|$)/.exec(text);
  if (m === null) return undefined;
  return { bytes: Number(m[2]) * (UNITS[(m[3] ?? '').toLowerCase()] as number), text: m[1] as string };
}

/** V8's `--max-old-space-size=N` (MiB; dashes or underscores, as V8 accepts). */
function oldSpace(text: string): { bytes: number; text: string } | undefined {
  const m = /(?:^|\s)(--max[-_]old[-_]space[-_]size[=\s](\d+))(?=\s|$)/.exec(text);
  if (m === null) return undefined;
  return { bytes: Number(m[2]) * MiB, text: (m[1] as string).replace(/\s/, '=') };
}

/** The heap caps an application sets, wherever it sets them. */
export function heapCaps(app: {
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}): HeapCap[] {
  const caps: HeapCap[] = [];
  const java = app.command === 'java';
  app.args.forEach((arg, i) => {
    if (app.command === 'punchlinectl' && app.args[i - 1] === '--childopts') {
      const cap = xmx(arg);
      if (cap !== undefined) caps.push({ ...cap, path: ['args', i] });
      return;
    }
    if (java && arg.startsWith('-Xmx')) {
      const cap = xmx(arg);
      if (cap !== undefined) caps.push({ ...cap, path: ['args', i] });
      return;
    }
    const joined = /^--max[-_]old[-_]space[-_]size$/.test(arg) ? `${arg}=${app.args[i + 1] ?? ''}` : arg;
    const cap = oldSpace(joined);
    if (cap !== undefined) caps.push({ ...cap, path: ['args', i] });
  });
  const nodeOptions = app.env?.NODE_OPTIONS;
  if (nodeOptions !== undefined) {
    const cap = oldSpace(nodeOptions);
    if (cap !== undefined) caps.push({ ...cap, path: ['env', 'NODE_OPTIONS'] });
  }
  return caps;
}

const mib = (bytes: number) => `${Math.round((bytes / MiB) * 10) / 10} MiB`;

/** Why a cap does not fit, naming both values; undefined when it fits. */
export function heapMisfit(cap: HeapCap, limitBytes: number, limitText: string): string | undefined {
  if (heapFits(cap.bytes, limitBytes)) return undefined;
  const max = maxHeapBytes(limitBytes);
  return (
    `heap cap ${cap.text} (${mib(cap.bytes)}) does not fit under memory_limit ${limitText} (${mib(limitBytes)}): ` +
    `the heap plus the runtime's overhead, max(64 MiB, 25% of the heap), needs ` +
    `${mib(cap.bytes + runtimeOverheadBytes(cap.bytes))}; ` +
    (max > 0 ? `lower the heap to at most ${mib(max)} or raise memory_limit` : 'raise memory_limit')
  );
}
