/**
 * How a state reads: a word, a symbol that differs in shape (not only in colour), and a tone whose
 * colour comes from the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies; Okabe & Ito, "Color Universal Design", 2002). The word always shows.
 */
export type Tone = 'ok' | 'warn' | 'bad' | 'busy' | 'idle';

export interface StatePresentation {
  readonly word: string;
  readonly symbol: string;
  readonly tone: Tone;
  /** One sentence for screen readers and hover. */
  readonly meaning: string;
}

const STATES: Record<string, StatePresentation> = {
  running: { word: 'running', symbol: '●', tone: 'ok', meaning: 'the process runs' },
  pending: { word: 'pending', symbol: '◌', tone: 'warn', meaning: 'waiting for a runner that may take it' },
  starting: { word: 'starting', symbol: '◔', tone: 'busy', meaning: 'placed, starting' },
  backoff: { word: 'backoff', symbol: '↻', tone: 'warn', meaning: 'exited; restarting after a delay' },
  stopping: { word: 'stopping', symbol: '◑', tone: 'busy', meaning: 'being stopped' },
  stopped: { word: 'stopped', symbol: '■', tone: 'idle', meaning: 'not running, as asked' },
  failed: { word: 'failed', symbol: '✖', tone: 'bad', meaning: 'will not start again by itself' },
  // resources: Kafka topics, index templates
  created: { word: 'created', symbol: '●', tone: 'ok', meaning: 'created by Drover' },
  present: { word: 'present', symbol: '●', tone: 'ok', meaning: 'already there, as declared' },
  updated: { word: 'updated', symbol: '●', tone: 'ok', meaning: 'replaced by Drover (overwrite: true)' },
  mismatch: { word: 'mismatch', symbol: '▲', tone: 'bad', meaning: 'exists with another shape: not altered' },
  error: { word: 'error', symbol: '✖', tone: 'bad', meaning: 'could not be ensured' },
  // channels
  started: { word: 'started', symbol: '▶', tone: 'ok', meaning: 'asked to run' },
};

export function presentState(state: string): StatePresentation {
  return STATES[state] ?? { word: state, symbol: '?', tone: 'idle', meaning: state };
}

/** Display order of instance states: what needs attention first. */
export const STATE_ORDER = ['failed', 'backoff', 'pending', 'starting', 'stopping', 'running', 'stopped'];

export function byAttention(a: string, b: string): number {
  const ia = STATE_ORDER.indexOf(a);
  const ib = STATE_ORDER.indexOf(b);
  return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
}

/**
 * A channel's actual state in a few words: "2 running", "1 pending, 1 running", or "stopped".
 * `settled` is whether everything is as desired.
 */
export function actualSummary(
  desired: 'started' | 'stopped',
  instances: Readonly<Record<string, number>>,
): { text: string; settled: boolean } {
  const entries = Object.entries(instances)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => byAttention(a, b));
  if (entries.length === 0) return { text: 'no instances', settled: true };
  const settledState = desired === 'started' ? 'running' : 'stopped';
  return {
    text: entries.map(([s, n]) => `${n} ${s}`).join(', '),
    settled: entries.every(([s]) => s === settledState),
  };
}
