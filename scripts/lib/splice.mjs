// Joins two sockets both ways, as a TCP forwarder does: bytes flow each way, and when either side
// errors or closes, both are destroyed. Shared by the test forwarders (netns.ts and
// netns-forwarder.mjs).

/**
 * Pipes `client` and `upstream` into each other and tears both down together.
 * @param {import('node:net').Socket} client
 * @param {import('node:net').Socket} upstream
 */
export function splice(client, upstream) {
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) {
    socket.on('error', close);
    socket.on('close', close);
  }
}
