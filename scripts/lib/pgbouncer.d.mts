/** A running PgBouncer. */
export interface StartedPgBouncer {
  /** The `postgres` database through PgBouncer. */
  url: string;
  port: number;
  /** `PgBouncer 1.18.0` or similar. */
  version: string;
  logFile: string;
  /** Stops PgBouncer (its server connections close) and removes its files. */
  stop(): Promise<void>;
}

/** The pgbouncer executable, or null when it is not installed. */
export function findPgBouncer(): string | null;
/** Starts PgBouncer in front of `serverHost:serverPort` (transaction mode by default). */
export function startPgBouncer(options: {
  serverPort: number;
  serverHost?: string;
  user?: string;
  poolSize?: number;
  poolMode?: 'session' | 'transaction' | 'statement';
  port?: number;
  maxClientConn?: number;
}): Promise<StartedPgBouncer>;
