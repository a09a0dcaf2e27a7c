/**
 * Types for the npm package `lumberjack-client` 1.0.x (CommonJS, ships none): what its index.js
 * defines. `config` goes to `net.connect` / `tls.connect` as is; `log` sends one event (a window
 * of one, as a compressed 2J frame) when connected, queues it while connecting (flushed as one
 * window on connect), and drops it otherwise. It never reads the socket: ACKs are not tracked.
 */
declare module 'lumberjack-client' {
  import type { Socket } from 'node:net';
  import type { ConnectionOptions } from 'node:tls';

  class LumberjackClient {
    constructor(config: ConnectionOptions & { host: string; port: number }, useTls?: boolean);
    log(data: object): void;
    readonly config: ConnectionOptions;
    readonly useTls: boolean | undefined;
    /** Events waiting for the connection, JSON-encoded. */
    readonly queue: string[];
    /** The current socket (replaced on reconnection, absent after an error). */
    socket: Socket | undefined;
    connected: boolean | undefined;
    /** While true, a closed socket is not reconnected. */
    connecting: boolean | undefined;
  }

  export = LumberjackClient;
}
