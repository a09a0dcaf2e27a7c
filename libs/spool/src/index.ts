export {
  CHECKPOINT_BYTES,
  decodeCheckpoint,
  decodeRecord,
  encodeCheckpoint,
  encodeRecordHeader,
  encodeRecordInto,
  MAX_PAYLOAD_BYTES,
  payloadLength,
  RECORD_HEADER_BYTES,
  type SpoolPayload,
  type SpoolRecord,
} from './record.js';
export { Spool, SpoolError, type SpoolLogger, type SpoolOptions, type SpoolStats } from './spool.js';
