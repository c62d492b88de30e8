// A TCP proxy in front of a PostgreSQL server that a test controls, for network faults. The
// implementation is scripts/lib/proxy.mjs (shared with the soak, `npm run soak`), typed by
// scripts/lib/proxy.d.mts.
//
//   const proxy = await startProxy({ port: server.port });
//   const pool = new WeddingAwareConnectionPool({ connectionString: proxy.url(server.url) });
//   await proxy.blackhole();   // sockets stay open, nothing is forwarded, no reset
//   await proxy.pass();        // held bytes are delivered, in order, as TCP would after a partition heals
//   await proxy.close();       // every socket, timer and listener is gone
//
// Modes:
// - `pass`: forward both directions.
// - `{ delay: ms }`: every chunk (both directions) is delivered `ms` later, in order.
// - `blackhole`: forward nothing in either direction and propagate no FIN or close; sockets stay
//   open. Bytes are still read (so the proxy sees a client give up) and held, then delivered in
//   order if the mode changes back. New connections are accepted but never forwarded until the
//   mode changes. The proxy's kernel still answers TCP keepalive probes, so only
//   application-level checks (a ping with a deadline) can find such a connection dead.
// - `reset`: every current client socket is closed with a RST (and its upstream destroyed);
//   new connections are reset as soon as they are accepted.
// - `refuse`: stop listening (new connects get ECONNREFUSED); open connections keep working.
// `cutAfterCommit()`: the next COMMIT reaches the server and its answer never reaches the client.
// `holdCommit()`: the next COMMIT (and all after it on that connection) never reaches the server.
export { startProxy, type PgProxy, type ProxyMode, type ProxyStats } from '../../scripts/lib/proxy.mjs';
