/**
 * Quartz cron expressions (`quartzcron_schedule`), exactly as Quartz 2.3 reads and runs them:
 * seconds, minutes, hours, day of month, month, day of week (1 = SUN .. 7 = SAT), optional year;
 * `*`, `?`, lists, ranges (wrapping ones too: `FRI-MON`, `22-2`), `start/step`, names (`JAN`,
 * `MON`), `L` (last day of the month, or Saturday in day-of-week), `L-n` (n days before the last),
 * `W` (nearest weekday, never leaving the month), `LW`, `L-nW`, `nL` (last weekday n of the
 * month), `n#k` (k-th weekday n). Exactly one of day-of-month and day-of-week must be `?`.
 *
 * Source of truth: `org.quartz.CronExpression` of Quartz 2.3.2 (Apache-2.0): the parser
 * (`buildExpression`, `storeExpressionVals`, `checkNext`, `addToSet`) and `getTimeAfter` are
 * ported step by step, quirks included (a `W` day past the month's end rolls into the next month,
 * `L-30` in February lands on the 1st of March, a day-of-week `L-2` means Saturday), because an
 * operator's Punch channels were written and tested against Quartz. The differential fixture in
 * `test/quartz/` (Quartz itself run over a hundred expressions and start instants, UTC and two
 * daylight-saving zones) pins it. croner, used before, refuses `L-3` and wrapping ranges and
 * differs on `W` near month ends; no maintained npm library evaluates Quartz exactly.
 *
 * Two deliberate differences, both refusals where Quartz would go on silently: more than 7 fields
 * (Quartz ignores the extra ones) and an expression that can never be evaluated (`L` in the
 * seconds field: Quartz accepts it and fails at its first fire time) are errors here.
 */
import { Field, LenientCalendar, lastDayOfMonth, zoneOffset } from './quartz-calendar.js';

const SECOND = 0;
const MINUTE = 1;
const HOUR = 2;
const DAY_OF_MONTH = 3;
const MONTH = 4;
const DAY_OF_WEEK = 5;
const YEAR = 6;
type FieldType = 0 | 1 | 2 | 3 | 4 | 5 | 6;
/** Quartz keeps these markers inside the value sets: `*` and `?`. */
const ALL_SPEC = 99;
const NO_SPEC = 98;

const MONTHS: Record<string, number> = {
  JAN: 0,
  FEB: 1,
  MAR: 2,
  APR: 3,
  MAY: 4,
  JUN: 5,
  JUL: 6,
  AUG: 7,
  SEP: 8,
  OCT: 9,
  NOV: 10,
  DEC: 11,
};
const DAYS: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

/** `CronExpression.MAX_YEAR`: the current year plus 100, fixed when the module loads. */
const MAX_YEAR = new Date().getFullYear() + 100;

/** An expression Quartz refuses, with Quartz's own message. */
export class QuartzSyntaxError extends Error {
  readonly code = 'QUARTZ_SYNTAX';
  constructor(message: string) {
    super(message);
    this.name = 'QuartzSyntaxError';
  }
}

/**
 * What Java would throw from inside the parser (an index out of range, a number that does not
 * parse): CronExpression reports those as "Illegal cron expression format".
 */
class Malformed extends Error {}

function charAt(s: string, i: number): string {
  if (i < 0 || i >= s.length) throw new Malformed(`index ${i} out of range for "${s}"`);
  return s[i] as string;
}

function substring(s: string, from: number, to = s.length): string {
  if (from < 0 || to > s.length || from > to) throw new Malformed(`substring(${from}, ${to}) of "${s}"`);
  return s.slice(from, to);
}

/** `Integer.parseInt`. */
function parseInt32(text: string): number {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Malformed(`For input string: "${text}"`);
  const value = Number(text);
  if (value > 2_147_483_647 || value < -2_147_483_648) throw new Malformed(`For input string: "${text}"`);
  return value;
}

const isDigit = (c: string) => c >= '0' && c <= '9';

/** A sorted set of integers (Java's TreeSet<Integer>, reduced to what is used). */
class IntSet {
  readonly #values = new Set<number>();
  #sorted: number[] | undefined;

  add(v: number): void {
    this.#values.add(v);
    this.#sorted = undefined;
  }

  has(v: number): boolean {
    return this.#values.has(v);
  }

  get size(): number {
    return this.#values.size;
  }

  #all(): number[] {
    this.#sorted ??= [...this.#values].sort((a, b) => a - b);
    return this.#sorted;
  }

  /** The least element >= v (`tailSet(v).first()`), or undefined. */
  ceiling(v: number): number | undefined {
    return this.#all().find((x) => x >= v);
  }

  first(): number {
    const all = this.#all();
    if (all.length === 0) throw new Malformed('empty set');
    return all[0] as number;
  }

  last(): number {
    const all = this.#all();
    if (all.length === 0) throw new Malformed('empty set');
    return all[all.length - 1] as number;
  }
}

interface Parsed {
  readonly sets: readonly [IntSet, IntSet, IntSet, IntSet, IntSet, IntSet, IntSet];
  lastdayOfWeek: boolean;
  nthdayOfWeek: number;
  lastdayOfMonth: boolean;
  nearestWeekday: boolean;
  lastdayOffset: number;
}

/** `CronExpression.buildExpression`. */
function build(input: string): Parsed {
  const expression = input.toUpperCase();
  const p: Parsed = {
    sets: [new IntSet(), new IntSet(), new IntSet(), new IntSet(), new IntSet(), new IntSet(), new IntSet()],
    lastdayOfWeek: false,
    nthdayOfWeek: 0,
    lastdayOfMonth: false,
    nearestWeekday: false,
    lastdayOffset: 0,
  };
  const tokens = expression.split(/[ \t]+/).filter((t) => t !== '');
  if (tokens.length > 7) {
    throw new QuartzSyntaxError(
      `${tokens.length} fields: a Quartz expression has 6 or 7 (seconds first, optional year)`,
    );
  }
  let exprOn = SECOND;
  for (const expr of tokens) {
    if (exprOn === DAY_OF_MONTH && expr.includes('L') && expr.length > 1 && expr.includes(',')) {
      throw new QuartzSyntaxError(
        "Support for specifying 'L' and 'LW' with other days of the month is not implemented",
      );
    }
    if (exprOn === DAY_OF_WEEK && expr.includes('L') && expr.length > 1 && expr.includes(',')) {
      throw new QuartzSyntaxError(
        "Support for specifying 'L' with other days of the week is not implemented",
      );
    }
    if (
      exprOn === DAY_OF_WEEK &&
      expr.indexOf('#') !== -1 &&
      expr.indexOf('#', expr.indexOf('#') + 1) !== -1
    ) {
      throw new QuartzSyntaxError('Support for specifying multiple "nth" days is not implemented.');
    }
    for (const v of expr.split(',').filter((t) => t !== ''))
      storeExpressionVals(p, 0, v, exprOn as FieldType);
    exprOn++;
  }
  if (exprOn <= DAY_OF_WEEK) throw new QuartzSyntaxError('Unexpected end of expression.');
  if (exprOn <= YEAR) storeExpressionVals(p, 0, '*', YEAR);
  const dayOfMSpec = !p.sets[DAY_OF_MONTH].has(NO_SPEC);
  const dayOfWSpec = !p.sets[DAY_OF_WEEK].has(NO_SPEC);
  if ((!dayOfMSpec || dayOfWSpec) && (!dayOfWSpec || dayOfMSpec)) {
    throw new QuartzSyntaxError(
      'Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.',
    );
  }
  // Quartz would accept these and throw at the first evaluation (an empty value set).
  const names = ['seconds', 'minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'];
  p.sets.forEach((set, type) => {
    // An empty year set only means "never" (Quartz returns no fire time, like a past year).
    if (set.size === 0 && type !== YEAR && !(type === DAY_OF_MONTH && p.lastdayOfMonth)) {
      throw new QuartzSyntaxError(`the ${names[type]} field matches no value`);
    }
  });
  return p;
}

/** `CronExpression.storeExpressionVals`. */
function storeExpressionVals(p: Parsed, pos: number, s: string, type: FieldType): void {
  let incr = 0;
  let i = pos;
  if (i >= s.length) return;
  let c = charAt(s, i);
  if (c >= 'A' && c <= 'Z' && s !== 'L' && s !== 'LW' && !/^L-[0-9]*W?$/.test(s)) {
    let sub = substring(s, i, i + 3);
    let sval = -1;
    let eval_ = -1;
    if (type === MONTH) {
      sval = (MONTHS[sub] ?? -1) + 1;
      if (sval <= 0) throw new QuartzSyntaxError(`Invalid Month value: '${sub}'`);
      if (s.length > i + 3) {
        c = charAt(s, i + 3);
        if (c === '-') {
          i += 4;
          sub = substring(s, i, i + 3);
          eval_ = (MONTHS[sub] ?? -1) + 1;
          if (eval_ <= 0) throw new QuartzSyntaxError(`Invalid Month value: '${sub}'`);
        }
      }
    } else if (type === DAY_OF_WEEK) {
      sval = DAYS[sub] ?? -1;
      if (sval < 0) throw new QuartzSyntaxError(`Invalid Day-of-Week value: '${sub}'`);
      if (s.length > i + 3) {
        c = charAt(s, i + 3);
        if (c === '-') {
          i += 4;
          sub = substring(s, i, i + 3);
          eval_ = DAYS[sub] ?? -1;
          if (eval_ < 0) throw new QuartzSyntaxError(`Invalid Day-of-Week value: '${sub}'`);
        } else if (c === '#') {
          i += 4;
          p.nthdayOfWeek = nth(s, i);
        } else if (c === 'L') {
          p.lastdayOfWeek = true;
          i++;
        }
      }
    } else {
      throw new QuartzSyntaxError(`Illegal characters for this position: '${sub}'`);
    }
    if (eval_ !== -1) incr = 1;
    addToSet(p, sval, eval_, incr, type);
    return;
  }

  if (c === '?') {
    i++;
    if (i + 1 < s.length && charAt(s, i) !== ' ' && charAt(s, i + 1) !== '\t') {
      throw new QuartzSyntaxError(`Illegal character after '?': ${charAt(s, i)}`);
    }
    if (type !== DAY_OF_WEEK && type !== DAY_OF_MONTH) {
      throw new QuartzSyntaxError("'?' can only be specified for Day-of-Month or Day-of-Week.");
    }
    if (type === DAY_OF_WEEK && !p.lastdayOfMonth && p.sets[DAY_OF_MONTH].last() === NO_SPEC) {
      throw new QuartzSyntaxError("'?' can only be specified for Day-of-Month -OR- Day-of-Week.");
    }
    addToSet(p, NO_SPEC, -1, 0, type);
    return;
  }

  if (c === '*' || c === '/') {
    if (c === '*' && i + 1 >= s.length) {
      addToSet(p, ALL_SPEC, -1, incr, type);
      return;
    }
    if (c === '/' && (i + 1 >= s.length || charAt(s, i + 1) === ' ' || charAt(s, i + 1) === '\t')) {
      throw new QuartzSyntaxError("'/' must be followed by an integer.");
    }
    if (c === '*') i++;
    c = charAt(s, i);
    if (c === '/') {
      i++;
      if (i >= s.length) throw new QuartzSyntaxError('Unexpected end of string.');
      // getNumericValue: to the end of the value (its whitespace search never stops earlier).
      incr = parseInt32(substring(s, i));
      checkIncrementRange(incr, type);
    } else {
      incr = 1;
    }
    addToSet(p, ALL_SPEC, -1, incr, type);
    return;
  }

  if (c === 'L') {
    i++;
    if (type === DAY_OF_MONTH) p.lastdayOfMonth = true;
    if (type === DAY_OF_WEEK) addToSet(p, 7, 7, 0, type);
    if (type === DAY_OF_MONTH && s.length > i) {
      c = charAt(s, i);
      if (c === '-') {
        const vs = getValue(0, s, i + 1);
        p.lastdayOffset = vs.value;
        if (p.lastdayOffset > 30) throw new QuartzSyntaxError('Offset from last day must be <= 30');
        i = vs.pos;
      }
      if (s.length > i) {
        c = charAt(s, i);
        if (c === 'W') p.nearestWeekday = true;
      }
    }
    return;
  }

  if (isDigit(c)) {
    let val = parseInt32(c);
    i++;
    if (i >= s.length) {
      addToSet(p, val, -1, -1, type);
      return;
    }
    c = charAt(s, i);
    if (isDigit(c)) {
      const vs = getValue(val, s, i);
      val = vs.value;
      i = vs.pos;
    }
    checkNext(p, i, s, val, type);
    return;
  }
  throw new QuartzSyntaxError(`Unexpected character: ${c}`);
}

function nth(s: string, i: number): number {
  let n: number;
  try {
    n = parseInt32(substring(s, i));
  } catch {
    n = 0;
  }
  if (n < 1 || n > 5)
    throw new QuartzSyntaxError("A numeric value between 1 and 5 must follow the '#' option");
  return n;
}

function checkIncrementRange(incr: number, type: FieldType): void {
  if (incr > 59 && (type === SECOND || type === MINUTE))
    throw new QuartzSyntaxError(`Increment > 60 : ${incr}`);
  if (incr > 23 && type === HOUR) throw new QuartzSyntaxError(`Increment > 24 : ${incr}`);
  if (incr > 31 && type === DAY_OF_MONTH) throw new QuartzSyntaxError(`Increment > 31 : ${incr}`);
  if (incr > 7 && type === DAY_OF_WEEK) throw new QuartzSyntaxError(`Increment > 7 : ${incr}`);
  if (incr > 12 && type === MONTH) throw new QuartzSyntaxError(`Increment > 12 : ${incr}`);
}

/** `CronExpression.checkNext`: what follows a number (`L`, `W`, `#`, `-`, `/`). */
function checkNext(p: Parsed, pos: number, s: string, val: number, type: FieldType): void {
  let end = -1;
  let i = pos;
  if (i >= s.length) {
    addToSet(p, val, end, -1, type);
    return;
  }
  let c = charAt(s, pos);
  if (c === 'L') {
    if (type !== DAY_OF_WEEK) throw new QuartzSyntaxError(`'L' option is not valid here. (pos=${i})`);
    if (val < 1 || val > 7) throw new QuartzSyntaxError('Day-of-Week values must be between 1 and 7');
    p.lastdayOfWeek = true;
    p.sets[type].add(val);
    return;
  }
  if (c === 'W') {
    if (type !== DAY_OF_MONTH) throw new QuartzSyntaxError(`'W' option is not valid here. (pos=${i})`);
    p.nearestWeekday = true;
    if (val > 31) {
      throw new QuartzSyntaxError(
        "The 'W' option does not make sense with values larger than 31 (max number of days in a month)",
      );
    }
    p.sets[type].add(val);
    return;
  }
  if (c === '#') {
    if (type !== DAY_OF_WEEK) throw new QuartzSyntaxError(`'#' option is not valid here. (pos=${i})`);
    i++;
    p.nthdayOfWeek = nth(s, i);
    p.sets[type].add(val);
    return;
  }
  if (c === '-') {
    i++;
    c = charAt(s, i);
    const v = parseInt32(c);
    end = v;
    i++;
    if (i >= s.length) {
      addToSet(p, val, end, 1, type);
      return;
    }
    c = charAt(s, i);
    if (isDigit(c)) {
      const vs = getValue(v, s, i);
      end = vs.value;
      i = vs.pos;
    }
    if (i < s.length && charAt(s, i) === '/') {
      i++;
      c = charAt(s, i);
      const v2 = parseInt32(c);
      i++;
      if (i >= s.length) {
        addToSet(p, val, end, v2, type);
        return;
      }
      c = charAt(s, i);
      if (isDigit(c)) {
        addToSet(p, val, end, getValue(v2, s, i).value, type);
        return;
      }
      addToSet(p, val, end, v2, type);
      return;
    }
    addToSet(p, val, end, 1, type);
    return;
  }
  if (c === '/') {
    if (i + 1 >= s.length || charAt(s, i + 1) === ' ' || charAt(s, i + 1) === '\t') {
      throw new QuartzSyntaxError("'/' must be followed by an integer.");
    }
    i++;
    c = charAt(s, i);
    const v2 = parseInt32(c);
    i++;
    if (i >= s.length) {
      checkIncrementRange(v2, type);
      addToSet(p, val, end, v2, type);
      return;
    }
    c = charAt(s, i);
    if (isDigit(c)) {
      const v3 = getValue(v2, s, i).value;
      checkIncrementRange(v3, type);
      addToSet(p, val, end, v3, type);
      return;
    }
    throw new QuartzSyntaxError(`Unexpected character '${c}' after '/'`);
  }
  addToSet(p, val, end, 0, type);
}

/** `CronExpression.getValue`: `v` followed by the digits from `i`. */
function getValue(v: number, s: string, from: number): { value: number; pos: number } {
  let i = from;
  let c = charAt(s, i);
  let digits = String(v);
  while (isDigit(c)) {
    digits += c;
    i++;
    if (i >= s.length) break;
    c = charAt(s, i);
  }
  return { value: parseInt32(digits), pos: i < s.length ? i : i + 1 };
}

/** `CronExpression.addToSet`: bounds checks, then the values of a value, range or step. */
function addToSet(p: Parsed, val: number, end: number, incr: number, type: FieldType): void {
  const set = p.sets[type];
  if (type === SECOND || type === MINUTE) {
    if ((val < 0 || val > 59 || end > 59) && val !== ALL_SPEC) {
      throw new QuartzSyntaxError('Minute and Second values must be between 0 and 59');
    }
  } else if (type === HOUR) {
    if ((val < 0 || val > 23 || end > 23) && val !== ALL_SPEC) {
      throw new QuartzSyntaxError('Hour values must be between 0 and 23');
    }
  } else if (type === DAY_OF_MONTH) {
    if ((val < 1 || val > 31 || end > 31) && val !== ALL_SPEC && val !== NO_SPEC) {
      throw new QuartzSyntaxError('Day of month values must be between 1 and 31');
    }
  } else if (type === MONTH) {
    if ((val < 1 || val > 12 || end > 12) && val !== ALL_SPEC) {
      throw new QuartzSyntaxError('Month values must be between 1 and 12');
    }
  } else if (type === DAY_OF_WEEK) {
    if ((val === 0 || val > 7 || end > 7) && val !== ALL_SPEC && val !== NO_SPEC) {
      throw new QuartzSyntaxError('Day-of-Week values must be between 1 and 7');
    }
  }
  if ((incr === 0 || incr === -1) && val !== ALL_SPEC) {
    set.add(val !== -1 ? val : NO_SPEC);
    return;
  }
  let startAt = val;
  let stopAt = end;
  let step = incr;
  if (val === ALL_SPEC && step <= 0) {
    step = 1;
    set.add(ALL_SPEC);
  }
  const [low, high] =
    type === SECOND || type === MINUTE
      ? [0, 59]
      : type === HOUR
        ? [0, 23]
        : type === DAY_OF_MONTH
          ? [1, 31]
          : type === MONTH
            ? [1, 12]
            : type === DAY_OF_WEEK
              ? [1, 7]
              : [1970, MAX_YEAR];
  if (stopAt === -1) stopAt = high;
  if (startAt === -1 || startAt === ALL_SPEC) startAt = low;
  // A range whose end is before its start wraps around (22-2 in hours: 22, 23, 0, 1, 2).
  let max = -1;
  if (stopAt < startAt) {
    max = [60, 60, 24, 31, 12, 7, -1][type] as number;
    if (type === YEAR) throw new QuartzSyntaxError('Start year must be less than stop year');
    stopAt += max;
  }
  for (let v = startAt; v <= stopAt; v += step) {
    if (max === -1) set.add(v);
    else {
      let v2 = v % max;
      if (v2 === 0 && (type === MONTH || type === DAY_OF_WEEK || type === DAY_OF_MONTH)) v2 = max;
      set.add(v2);
    }
  }
}

/** `CronExpression.getTimeAfter`: the first fire time strictly after `afterMs` (whole seconds). */
function timeAfter(p: Parsed, zone: (ms: number) => number, afterMs: number): number | undefined {
  const [seconds, minutes, hours, daysOfMonth, months, daysOfWeek, years] = p.sets;
  const after = afterMs + 1000;
  const cl = new LenientCalendar(zone, after);
  cl.set(Field.Millisecond, 0);
  const setCalendarHour = (hour: number) => {
    cl.set(Field.HourOfDay, hour);
    if (cl.get(Field.HourOfDay) !== hour && hour !== 24) cl.set(Field.HourOfDay, hour + 1);
  };
  /** The time of a day computed apart (Quartz's tcal), to compare with the start. */
  const probe = (day: number, mon: number, year: number) => {
    const tcal = new LenientCalendar(zone, 0);
    tcal.set(Field.Second, 0);
    tcal.set(Field.Minute, 0);
    tcal.set(Field.HourOfDay, 0);
    tcal.set(Field.DayOfMonth, day);
    tcal.set(Field.Month, mon - 1);
    tcal.set(Field.Year, year);
    return tcal;
  };
  const nearest = (tcal: LenientCalendar, day: number, mon: number, year: number) => {
    const ldom = lastDayOfMonth(mon, year);
    const dow = tcal.dayOfWeek();
    if (dow === 7 && day === 1) return day + 2;
    if (dow === 7) return day - 1;
    if (dow === 1 && day === ldom) return day - 2;
    if (dow === 1) return day + 1;
    return day;
  };

  for (;;) {
    if (cl.get(Field.Year) > 2999) return undefined;
    let sec = cl.get(Field.Second);
    let min = cl.get(Field.Minute);

    // second
    const s = seconds.ceiling(sec);
    if (s !== undefined) sec = s;
    else {
      sec = seconds.first();
      min++;
      cl.set(Field.Minute, min);
    }
    cl.set(Field.Second, sec);

    min = cl.get(Field.Minute);
    let hr = cl.get(Field.HourOfDay);
    let t = -1;

    // minute
    const m = minutes.ceiling(min);
    if (m !== undefined) {
      t = min;
      min = m;
    } else {
      min = minutes.first();
      hr++;
    }
    if (min !== t) {
      cl.set(Field.Second, 0);
      cl.set(Field.Minute, min);
      setCalendarHour(hr);
      continue;
    }
    cl.set(Field.Minute, min);

    hr = cl.get(Field.HourOfDay);
    let day = cl.get(Field.DayOfMonth);
    t = -1;

    // hour
    const h = hours.ceiling(hr);
    if (h !== undefined) {
      t = hr;
      hr = h;
    } else {
      hr = hours.first();
      day++;
    }
    if (hr !== t) {
      cl.set(Field.Second, 0);
      cl.set(Field.Minute, 0);
      cl.set(Field.DayOfMonth, day);
      setCalendarHour(hr);
      continue;
    }
    cl.set(Field.HourOfDay, hr);

    day = cl.get(Field.DayOfMonth);
    let mon = cl.get(Field.Month) + 1;
    t = -1;
    let tmon = mon;

    // day
    const dayOfMSpec = !daysOfMonth.has(NO_SPEC);
    const dayOfWSpec = !daysOfWeek.has(NO_SPEC);
    if (dayOfMSpec && !dayOfWSpec) {
      const st = daysOfMonth.ceiling(day);
      if (p.lastdayOfMonth) {
        if (!p.nearestWeekday) {
          t = day;
          day = lastDayOfMonth(mon, cl.get(Field.Year)) - p.lastdayOffset;
          if (t > day) {
            mon++;
            if (mon > 12) {
              mon = 1;
              tmon = 3333;
              cl.addYears(1);
            }
            day = 1;
          }
        } else {
          t = day;
          const year = cl.get(Field.Year);
          day = lastDayOfMonth(mon, year) - p.lastdayOffset;
          const tcal = probe(day, mon, year);
          day = nearest(tcal, day, mon, year);
          tcal.set(Field.Second, sec);
          tcal.set(Field.Minute, min);
          tcal.set(Field.HourOfDay, hr);
          tcal.set(Field.DayOfMonth, day);
          tcal.set(Field.Month, mon - 1);
          if (tcal.getTime() < after) {
            day = 1;
            mon++;
          }
        }
      } else if (p.nearestWeekday) {
        t = day;
        day = daysOfMonth.first();
        const year = cl.get(Field.Year);
        const tcal = probe(day, mon, year);
        day = nearest(tcal, day, mon, year);
        tcal.set(Field.Second, sec);
        tcal.set(Field.Minute, min);
        tcal.set(Field.HourOfDay, hr);
        tcal.set(Field.DayOfMonth, day);
        tcal.set(Field.Month, mon - 1);
        if (tcal.getTime() < after) {
          day = daysOfMonth.first();
          mon++;
        }
      } else if (st !== undefined) {
        t = day;
        day = st;
        if (day > lastDayOfMonth(mon, cl.get(Field.Year))) {
          day = daysOfMonth.first();
          mon++;
        }
      } else {
        day = daysOfMonth.first();
        mon++;
      }
      if (day !== t || mon !== tmon) {
        cl.set(Field.Second, 0);
        cl.set(Field.Minute, 0);
        cl.set(Field.HourOfDay, 0);
        cl.set(Field.DayOfMonth, day);
        cl.set(Field.Month, mon - 1);
        continue;
      }
    } else if (dayOfWSpec && !dayOfMSpec) {
      const toNextMonth = () => {
        cl.set(Field.Second, 0);
        cl.set(Field.Minute, 0);
        cl.set(Field.HourOfDay, 0);
        cl.set(Field.DayOfMonth, 1);
        cl.set(Field.Month, mon);
      };
      const toDay = (d: number) => {
        cl.set(Field.Second, 0);
        cl.set(Field.Minute, 0);
        cl.set(Field.HourOfDay, 0);
        cl.set(Field.DayOfMonth, d);
        cl.set(Field.Month, mon - 1);
      };
      if (p.lastdayOfWeek) {
        const dow = daysOfWeek.first();
        const cDow = cl.dayOfWeek();
        let daysToAdd = cDow < dow ? dow - cDow : cDow > dow ? dow + (7 - cDow) : 0;
        const lDay = lastDayOfMonth(mon, cl.get(Field.Year));
        if (day + daysToAdd > lDay) {
          toNextMonth();
          continue;
        }
        while (day + daysToAdd + 7 <= lDay) daysToAdd += 7;
        day += daysToAdd;
        if (daysToAdd > 0) {
          toDay(day);
          continue;
        }
      } else if (p.nthdayOfWeek !== 0) {
        const dow = daysOfWeek.first();
        const cDow = cl.dayOfWeek();
        let daysToAdd = cDow < dow ? dow - cDow : cDow > dow ? dow + (7 - cDow) : 0;
        const dayShifted = daysToAdd > 0;
        day += daysToAdd;
        let weekOfMonth = Math.trunc(day / 7);
        if (day % 7 > 0) weekOfMonth++;
        daysToAdd = (p.nthdayOfWeek - weekOfMonth) * 7;
        day += daysToAdd;
        if (daysToAdd < 0 || day > lastDayOfMonth(mon, cl.get(Field.Year))) {
          toNextMonth();
          continue;
        }
        if (daysToAdd > 0 || dayShifted) {
          toDay(day);
          continue;
        }
      } else {
        const cDow = cl.dayOfWeek();
        const dow = daysOfWeek.ceiling(cDow) ?? daysOfWeek.first();
        const daysToAdd = cDow < dow ? dow - cDow : cDow > dow ? dow + (7 - cDow) : 0;
        const lDay = lastDayOfMonth(mon, cl.get(Field.Year));
        if (day + daysToAdd > lDay) {
          toNextMonth();
          continue;
        }
        if (daysToAdd > 0) {
          toDay(day + daysToAdd);
          continue;
        }
      }
    } else {
      throw new QuartzSyntaxError(
        'Support for specifying both a day-of-week AND a day-of-month parameter is not implemented.',
      );
    }
    cl.set(Field.DayOfMonth, day);

    mon = cl.get(Field.Month) + 1;
    let year = cl.get(Field.Year);
    t = -1;
    if (year > MAX_YEAR) return undefined;

    // month
    const mo = months.ceiling(mon);
    if (mo !== undefined) {
      t = mon;
      mon = mo;
    } else {
      mon = months.first();
      year++;
    }
    if (mon !== t) {
      cl.set(Field.Second, 0);
      cl.set(Field.Minute, 0);
      cl.set(Field.HourOfDay, 0);
      cl.set(Field.DayOfMonth, 1);
      cl.set(Field.Month, mon - 1);
      cl.set(Field.Year, year);
      continue;
    }
    cl.set(Field.Month, mon - 1);

    year = cl.get(Field.Year);
    t = -1;

    // year
    const y = years.ceiling(year);
    if (y === undefined) return undefined;
    t = year;
    year = y;
    if (year !== t) {
      cl.set(Field.Second, 0);
      cl.set(Field.Minute, 0);
      cl.set(Field.HourOfDay, 0);
      cl.set(Field.DayOfMonth, 1);
      cl.set(Field.Month, 0);
      cl.set(Field.Year, year);
      continue;
    }
    cl.set(Field.Year, year);
    return cl.getTime();
  }
}

export interface QuartzOptions {
  /** IANA zone the expression's wall times are in (default: this process's local zone). */
  readonly timeZone?: string;
}

/** A parsed expression. */
export interface QuartzExpression {
  readonly expression: string;
  readonly timeZone: string;
  /** The next fire time strictly after `after`, or undefined when there is none. */
  next(after: Date): Date | undefined;
}

function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** Parses as Quartz does; throws a QuartzSyntaxError with Quartz's message when it would refuse it. */
export function parseQuartz(expression: string, options: QuartzOptions = {}): QuartzExpression {
  let parsed: Parsed;
  try {
    parsed = build(expression);
  } catch (err) {
    if (err instanceof Malformed)
      throw new QuartzSyntaxError(`Illegal cron expression format (${err.message})`);
    throw err;
  }
  const timeZone = options.timeZone ?? localZone();
  const zone = zoneOffset(timeZone);
  return {
    expression,
    timeZone,
    next: (after) => {
      const at = timeAfter(parsed, zone, after.getTime());
      return at === undefined ? undefined : new Date(at);
    },
  };
}

/** Undefined when the expression is valid; else what is wrong with it (Quartz's words). */
export function quartzError(expression: string): string | undefined {
  try {
    parseQuartz(expression, { timeZone: 'UTC' });
    return undefined;
  } catch (err) {
    if (err instanceof QuartzSyntaxError) return err.message;
    throw err;
  }
}

/** The next tick strictly after `after`, or undefined when there is none (a past year). */
export function quartzSchedule(
  expression: string,
  options: QuartzOptions = {},
): (after: Date) => Date | undefined {
  const parsed = parseQuartz(expression, options);
  return (after) => parsed.next(after);
}
