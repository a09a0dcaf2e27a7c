export { parseSyslog, type SyslogHeader, SyslogParseError } from './header.js';
export {
  formatRfc3164,
  formatRfc5424,
  priority,
  SyslogFormatError,
  type SyslogMessageParts,
} from './message.js';
export {
  encodeCommand,
  nextTxnr,
  openOffers,
  parseOffers,
  parseResponse,
  RELP_MAX_DATA_BYTES,
  RELP_MAX_TXNR,
  type RelpInboundFrame,
  RelpProtocolError,
  type RelpResponse,
  RelpResponseDecoder,
} from './relp/sender.js';
export { RelpSender, type RelpSenderOptions } from './relp-sender.js';
export {
  connectSocket,
  type SenderOptions,
  type SenderTls,
  SyslogSendError,
  type SyslogSendErrorCode,
  type SyslogSender,
} from './sender.js';
export { frameMessage, type StreamFraming, StreamSender } from './stream-sender.js';
