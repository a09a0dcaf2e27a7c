/**
 * Events from Elastic Beats as pipeline fields. A Beats event (Filebeat, Winlogbeat, Metricbeat,
 * ...) is an ECS document whose keys collide with the pipeline's own field names (Filebeat's
 * `log` is an object: `log.file.path`, `log.offset`) and which no `publish` list can name in
 * full, so taking its keys as fields loses it. Instead it becomes three fields (names from the
 * `beats` setting of `lumberjack_input`):
 *
 * - `event_field` (`beat`): the whole event, every key, as the Beat sent it (an object);
 * - `message_field` (`log`): its `message` when that is a string (the log line Filebeat read),
 *   else the whole event as JSON text, so the format switch always has a string to look at;
 * - `type_field` (`log_format`): the Beat's name from `@metadata.beat`.
 *
 * A Beats event is recognised by `@metadata.beat`, a string every Beat sets on every event
 * (Beats docs, "Accessing metadata fields"; Logstash's beats input reads the same key). Anything
 * else is not a Beats event and keeps its keys as fields (Drover's and Punch's own senders). Pure.
 */
import type { BeatsMapping } from '@drover/channel-model';
import type { Fields } from '../types.js';

/** The Beat that sent `event` (`@metadata.beat`), or undefined when it is not a Beats event. */
export function beatOf(event: Readonly<Fields>): string | undefined {
  const metadata = event['@metadata'];
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return undefined;
  const beat = (metadata as Record<string, unknown>).beat;
  return typeof beat === 'string' && beat.length > 0 ? beat : undefined;
}

/**
 * The fields a received event becomes: a Beats event mapped as above (a new object), anything
 * else unchanged (the same object). `mapping` false: every event unchanged.
 */
export function beatsFields(event: Fields, mapping: BeatsMapping | false): Fields {
  if (mapping === false) return event;
  const beat = beatOf(event);
  if (beat === undefined) return event;
  const message = event.message;
  return {
    [mapping.event_field]: event,
    [mapping.message_field]: typeof message === 'string' ? message : JSON.stringify(event),
    [mapping.type_field]: beat,
  };
}
