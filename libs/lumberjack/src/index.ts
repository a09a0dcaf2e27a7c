export { type ClientOptions, LumberjackClientError, LumberjackConnection } from './client.js';
export { type DecoderLimits, defaultLimits, FrameDecoder } from './decoder.js';
export { type EncodeOptions, encodeWindow } from './encoder.js';
export { type LumberjackErrorCode, LumberjackProtocolError } from './errors.js';
export {
  decodeAck,
  encodeAck,
  encodeCompressedFrame,
  encodeJsonFrame,
  encodeKvFrame,
  encodeWindowHeader,
  type Frame,
  type Version,
} from './frames.js';
export {
  type LumberjackServer,
  type LumberjackServerOptions,
  type Peer,
  type ServerLogger,
  type ServerStats,
  startLumberjackServer,
  type WindowDone,
} from './server.js';
export {
  defaultReaderLimits,
  type LumberjackEvent,
  type ReaderLimits,
  type Window,
  WindowReader,
  windowFields,
} from './window.js';
