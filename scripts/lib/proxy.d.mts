// Types of proxy.mjs (see __test__/support/proxy.ts for the modes).

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
export function startProxy(target: { host?: string; port: number }): Promise<PgProxy>;
