import type { ThrowawayPostgres } from './postgres.mjs';

/** Asynchronous control of a throwaway server (pg_ctl in a child process). */
export interface ServerControl {
  /** False between `pause()` and `resume()`. */
  readonly running: boolean;
  /** Stops the server (`fast`: sessions end with 57P01; `immediate`: they are cut). */
  pause(mode?: string): Promise<void>;
  /** Starts it again; resolves once it accepts connections. */
  resume(): Promise<void>;
  /** `pg_ctl restart -m <mode>`. */
  restart(mode?: string): Promise<void>;
}

/** Controls `server` without blocking the event loop. */
export function serverControl(server: ThrowawayPostgres): ServerControl;
