// A TCP proxy in front of a PostgreSQL server that a test controls, for network faults. The
// implementation is scripts/lib/proxy.mjs (shared with the soak, `npm run soak`); this file
// gives it types.
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
// @ts-expect-error -- plain ESM helper without typings; typed below
import { startProxy as startProxyImpl } from '../../scripts/lib/proxy.mjs';

export type ProxyMode = 'pass' | 'blackhole' | 'reset' | 'refuse' | { delay: number };

export interface ProxyStats {
  /** Client connections accepted since start (or since `resetCounts`). */
  accepted: number;
  /** Client connections open now. */
  open: number;
  /** Upstream (server) connections opened since start (or since `resetCounts`). */
  upstreamConnects: number;
  /** `performance.now()` of every accepted connection since start (or since `resetCounts`). */
  acceptedAt: number[];
}

export interface PgProxy {
  /** The port the proxy listens on (kept across `refuse` → `pass`). */
  readonly port: number;
  /** The mode in force. */
  readonly mode: ProxyMode;
  /** `url` with its port replaced by the proxy's (host forced to 127.0.0.1), plaintext (`sslmode=disable`) unless it names an `sslmode`. */
  url(url: string): string;
  /** Switches mode; rejects when the proxy is closed or the delay is invalid. */
  setMode(mode: ProxyMode): Promise<void>;
  pass(): Promise<void>;
  delay(ms: number): Promise<void>;
  blackhole(): Promise<void>;
  reset(): Promise<void>;
  refuse(): Promise<void>;
  /**
   * Arms a one-shot fault: the next COMMIT a client sends reaches the server, the server's answer
   * is dropped and the client socket is reset. Resolves once the cut happened.
   */
  cutAfterCommit(): Promise<void>;
  /** {@link PgProxy.cutAfterCommit} for the next statement whose text matches `pattern`. */
  cutAfterStatement(pattern: RegExp): Promise<void>;
  /**
   * Arms a one-shot partition: the next COMMIT a client sends never reaches the server, nor does
   * anything after it on that connection (not even its close); sockets stay open. Resolves once
   * the COMMIT was held.
   */
  holdCommit(): Promise<void>;
  /** Resets every current client socket (RST) without changing the mode; returns how many. */
  resetAll(): number;
  stats(): ProxyStats;
  /** Zeroes `accepted`, `upstreamConnects` and `acceptedAt` (open is unchanged). */
  resetCounts(): void;
  /** Closes everything; idempotent. */
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host defaults to 127.0.0.1) on a free port of 127.0.0.1. */
export const startProxy: (target: { host?: string; port: number }) => Promise<PgProxy> = startProxyImpl;
