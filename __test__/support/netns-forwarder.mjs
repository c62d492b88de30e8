// A TCP forwarder run inside a network namespace (`ip netns exec NS node netns-forwarder.mjs
// LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT`): prints `ready` once listening. Used by
// __test__/support/netns.ts so that the kernel of that namespace can be told to drop packets.
import { connect, createServer } from 'node:net';
import { splice } from '../../scripts/lib/splice.mjs';

const [listenHost, listenPort, targetHost, targetPort] = process.argv.slice(2);
const server = createServer((client) => {
  // Like a server with tcp_keepalives_idle = 1: once packets flow again, a client socket the
  // other side's kernel has given up on is found (RST) and its upstream closed, so the backend
  // behind it ends instead of lingering until the server's own 2-hour keepalive.
  client.setKeepAlive(true, 1_000);
  splice(client, connect(Number(targetPort), targetHost));
});
server.listen(Number(listenPort), listenHost, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
