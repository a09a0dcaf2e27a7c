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
export { parseSyslog, type SyslogHeader, SyslogParseError } from './header.js';
export type { ListenerLogger, ListenerTls, SyslogPeer } from './listener.js';
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
export {
  type RelpDone,
  type RelpServer,
  type RelpServerOptions,
  type RelpServerStats,
  startRelpServer,
} from './relp-server.js';
export {
  type StreamServer,
  type StreamServerOptions,
  type StreamServerStats,
  startStreamServer,
} from './stream-server.js';
export { startUdpServer, type UdpServer, type UdpServerOptions, type UdpServerStats } from './udp-server.js';
