import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortInUseError } from './errors.js';
import { assertPortFree, freePort, isPortFree } from './ports.js';

describe('ports', () => {
  let held: Server | undefined;
  afterEach(() => new Promise<void>((done) => (held ? held.close(() => done()) : done())));

  it('freePort gives a port that can be bound on loopback', async () => {
    const port = await freePort();
    expect(await isPortFree(port)).toBe(true);
  });

  it('names the taken port in the error', async () => {
    held = createServer();
    const port = await new Promise<number>((resolve) => {
      held!.listen(0, '127.0.0.1', () => {
        const address = held!.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    const error = await assertPortFree(port, 'etcd client').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PortInUseError);
    expect((error as PortInUseError).message).toContain(String(port));
  });
});
