export {
  CHECKPOINT_BYTES,
  CHECKPOINT_SLOT_OFFSETS,
  decodeCheckpoint,
  decodeRecord,
  encodeCheckpoint,
  encodeRecordHeader,
  encodeRecordInto,
  MAX_PAYLOAD_BYTES,
  payloadLength,
  RECORD_HEADER_BYTES,
  readCheckpoint,
  type SpoolPayload,
  type SpoolRecord,
} from './record.js';
export { Spool, SpoolError, type SpoolLogger, type SpoolOptions, type SpoolStats } from './spool.js';
