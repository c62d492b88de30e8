// Facts about this machine that the scripts and the specs share: whether we run as root (the
// PostgreSQL tools refuse to, so they run as `postgres`), and a free TCP port.
import { createServer } from 'node:net';

/** Whether this process runs as root. */
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** `[command, argv]` that runs `bin args…` as the `postgres` user when root, else directly. */
export function asPostgresUser(bin, args) {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

/** A free TCP port on 127.0.0.1 (bound, then released: nothing listens on it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
