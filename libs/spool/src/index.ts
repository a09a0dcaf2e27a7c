export {
  CHECKPOINT_BYTES,
  decodeCheckpoint,
  decodeRecord,
  encodeCheckpoint,
  encodeRecordHeader,
  MAX_PAYLOAD_BYTES,
  RECORD_HEADER_BYTES,
  type SpoolRecord,
} from './record.js';
export { Spool, SpoolError, type SpoolLogger, type SpoolOptions, type SpoolStats } from './spool.js';
