// Small fake servers for connect-failure tests: a port nothing listens on, and a TCP server
// that accepts connections and never answers (a connect that can only time out).
import { createServer, type Server, type Socket } from 'node:net';

import { freePort } from '../../scripts/lib/host.mjs';

/** A port with no listener (bound, then released). */
export const closedPort = freePort;

/** A server that accepts and stays silent. Call `close()` when done. */
export async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
