// The processor's normalisation, the counterpart of Punch's processor punchlets: every event
// leaves with the fields of the log table (README, "The log table"): timestamp (RFC 3339, UTC),
// host, program, pid, severity, facility, message, device_type, and es_index, the seed's
// routing field ("<tenant>-<device_type>-<yyyy.mm.dd>"), which also names the archive folders.
// Syslog lines come with the header the receiver parsed (`syslog`), Beats events with the whole
// ECS event (`beat`); grok's captures are under `grok`. A throw sends the event to _ppf_errors.

const MONTHS = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

// "Nov 23 05:00:00" (RFC 3164, no year, UTC as the receivers run): the year that puts it
// closest to the time the receiver took the event, so a December line read in January is last year's.
function syslogTime(text, receivedMs) {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})(?:\s+(\d{4}))?\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text);
  if (m === null || MONTHS[m[1]] === undefined) return undefined;
  const at = (year) =>
    Date.UTC(
      year,
      MONTHS[m[1]],
      Number(m[2]),
      Number(m[4]),
      Number(m[5]),
      Number(m[6]),
      Number((m[7] ?? '0').padEnd(3, '0').slice(0, 3)),
    );
  if (m[3] !== undefined) return at(Number(m[3]));
  const year = new Date(receivedMs).getUTCFullYear();
  return [year - 1, year, year + 1]
    .map(at)
    .sort((a, b) => Math.abs(a - receivedMs) - Math.abs(b - receivedMs))[0];
}

// Apache's "10/Oct/2000:13:55:36 -0700".
function httpTime(text) {
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (m === null || MONTHS[m[2]] === undefined) return undefined;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  return (
    Date.UTC(Number(m[3]), MONTHS[m[2]], Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - offset
  );
}

function eventTime(event, received) {
  const candidates = [event.grok?.timestamp, event.syslog?.timestamp];
  for (const t of candidates) {
    if (typeof t !== 'string') continue;
    if (RFC3339.test(t)) return Date.parse(t);
    const ms = httpTime(t) ?? syslogTime(t, received);
    if (ms !== undefined) return ms;
  }
  return received;
}

const pad = (n) => String(n).padStart(2, '0');

export default function normalize(event, emit) {
  const received = typeof event._ppf_timestamp === 'number' ? event._ppf_timestamp : Date.now();
  const syslog = event.syslog ?? {};
  const ecs = event.beat !== null && typeof event.beat === 'object' ? event.beat : undefined;
  const ms = ecs?.['@timestamp'] !== undefined ? Date.parse(ecs['@timestamp']) : eventTime(event, received);
  if (Number.isNaN(ms)) throw new Error(`unreadable @timestamp ${JSON.stringify(ecs['@timestamp'])}`);
  const time = new Date(ms);
  const deviceType =
    typeof event.device_type === 'string' && event.device_type !== ''
      ? event.device_type
      : ecs !== undefined
        ? String(event.log_format ?? 'beats')
        : 'unknown';
  const out = { ...event };
  delete out.syslog;
  delete out.log;
  out.timestamp = time.toISOString();
  out.host = ecs?.host?.name ?? syslog.host ?? event.logsource ?? undefined;
  out.program = ecs?.event?.provider ?? ecs?.winlog?.provider_name ?? syslog.app_name ?? undefined;
  out.pid = syslog.procid ?? undefined;
  out.severity = syslog.severity ?? undefined;
  out.facility = syslog.facility ?? undefined;
  out.message = ecs?.message ?? event.log;
  out.device_type = deviceType;
  out.es_index = `reftenant-${deviceType}-${time.getUTCFullYear()}.${pad(time.getUTCMonth() + 1)}.${pad(time.getUTCDate())}`;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  emit('normalized', out);
}
