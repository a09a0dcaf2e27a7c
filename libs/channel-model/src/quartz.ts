/**
 * Quartz cron expressions (`quartzcron_schedule`), as Punch channels write them: seconds first,
 * an optional year, `?` for "no specific value", `start/step`, day-of-week 1 = SUN .. 7 = SAT.
 * Parsed by croner (zero dependencies, maintained) in its Quartz-compatible configuration.
 */
import { Cron } from 'croner';

const OPTIONS = {
  paused: true,
  mode: '6-or-7-parts',
  sloppyRanges: true,
  alternativeWeekdays: true,
  domAndDow: true,
} as const;

/** Undefined when the expression is valid; else what is wrong with it. */
export function quartzError(expression: string): string | undefined {
  try {
    new Cron(expression, OPTIONS).stop();
    return undefined;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err)).replace(/^Cron\w*: /, '');
  }
}

/** The next tick strictly after `after`, or undefined when there is none (a past year). */
export function quartzSchedule(expression: string): (after: Date) => Date | undefined {
  const cron = new Cron(expression, OPTIONS);
  return (after) => cron.nextRun(after) ?? undefined;
}
