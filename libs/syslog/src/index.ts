/**
 * @drover/syslog: the syslog wire formats, pure at the core.
 *
 * ```ts
 * import { parseSyslog } from '@drover/syslog';
 * const h = parseSyslog('<30>Sep 11 13:56:05 2001:db8::a:1 named[16548]: edns-disabled');
 * // h.header === 'parsed', h.host === '2001:db8::a:1', h.app_name === 'named', h.procid === '16548'
 * // A header that cannot be read with confidence: h.header === 'partial' | 'none',
 * // h.header_issue.code says why, h.message is the whole line.
 * ```
 */
export {
  SYSLOG_HEADER_ERROR_CODES,
  SYSLOG_HEADER_ISSUE_CODES,
  SyslogHeaderError,
  type SyslogHeaderErrorCode,
  type SyslogHeaderIssueCode,
} from './errors.js';
export {
  defaultFramingLimits,
  encodeNonTransparent,
  encodeOctetCounted,
  type FramingLimits,
  type SyslogFrame,
  SyslogFrameDecoder,
  type SyslogFraming,
  SyslogFramingError,
  type SyslogFramingErrorCode,
} from './framing.js';
export { isSyslogLine, parseSyslog, parseSyslogStrict } from './header.js';
export {
  type HeaderStatus,
  type StructuredDataParams,
  type SyslogHeader,
  type SyslogHeaderIssue,
  syslogHeaderIssueSchema,
  syslogHeaderSchema,
  type TimestampForm,
} from './header-schema.js';
export type { ListenerLogger, ListenerTls, SyslogPeer } from './listener.js';
export {
  formatRfc3164,
  formatRfc5424,
  isRfc3339,
  priority,
  SyslogFormatError,
  type SyslogMessageParts,
} from './message.js';
export {
  type MessageId,
  RELP_DEFAULT_WINDOW,
  RelpClientSession,
  type RelpClientSessionOptions,
  type RelpClientStep,
} from './relp/client-session.js';
export {
  encodeRelpFrame,
  encodeRelpResponse,
  nextTxnr,
  parseRelpResponse,
  RELP_DEFAULT_MAX_DATA_BYTES,
  RELP_MAX_TXNR,
  type RelpErrorCode,
  type RelpFrame,
  RelpFrameDecoder,
  RelpProtocolError,
  type RelpResponse,
} from './relp/frame.js';
export {
  encodeOffers,
  offeredVersion,
  parseOffers,
  RELP_PROTOCOL_VERSION,
  type RelpOffers,
} from './relp/offers.js';
export {
  type RelpMessage,
  RelpServerSession,
  type RelpServerSessionOptions,
  type RelpServerStep,
  SERVERCLOSE,
} from './relp/server-session.js';
export { RelpClient, type RelpClientOptions, RelpRejectedError } from './relp-client.js';
export { RelpSender, type RelpSenderOptions } from './relp-sender.js';
export {
  type RelpDone,
  type RelpServer,
  type RelpServerOptions,
  type RelpServerStats,
  startRelpServer,
} from './relp-server.js';
export {
  connectSocket,
  type SenderOptions,
  type SenderTls,
  SyslogSendError,
  type SyslogSendErrorCode,
  type SyslogSender,
} from './sender.js';
export { frameMessage, type StreamFraming, StreamSender } from './stream-sender.js';
export {
  type StreamServer,
  type StreamServerOptions,
  type StreamServerStats,
  startStreamServer,
} from './stream-server.js';
export { startUdpServer, type UdpServer, type UdpServerOptions, type UdpServerStats } from './udp-server.js';
