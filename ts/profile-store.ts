/**
 * Keeps the learned traffic profile in a table so restarts keep what was learned:
 * `<table>(app text primary key, profile jsonb not null, updated_at timestamptz not null)`,
 * created on demand. Loaded once by `ready()`, saved periodically (unref'd timer) and by `end()`.
 */
import type { WeddingAwareConnectionPool } from './pool';

/** Saves and loads one application's profile. */
export class TrafficProfileStore {
  readonly #pool: WeddingAwareConnectionPool;
  readonly #table: string;
  readonly #app: string;
  readonly #intervalMillis: number;
  #timer: NodeJS.Timeout | undefined;
  #created = false;

  constructor(pool: WeddingAwareConnectionPool, table: string, app: string, intervalMillis: number) {
    this.#pool = pool;
    this.#table = table;
    this.#app = app;
    this.#intervalMillis = intervalMillis;
  }

  async #ensureTable(): Promise<void> {
    if (this.#created) return;
    await this.#pool.query(
      `create table if not exists ${this.#table} (app text primary key, profile jsonb not null, updated_at timestamptz not null default now())`,
    );
    this.#created = true;
  }

  /** Loads the stored profile into the pool, if there is one. */
  async load(): Promise<boolean> {
    await this.#ensureTable();
    const { rows } = await this.#pool.query<{ profile: unknown }>(`select profile from ${this.#table} where app = $1`, [this.#app]);
    if (rows.length === 0) return false;
    this.#pool.importTrafficProfile(rows[0].profile);
    return true;
  }

  /** Writes the current profile. */
  async save(): Promise<void> {
    await this.#ensureTable();
    await this.#pool.query(
      `insert into ${this.#table} (app, profile, updated_at) values ($1, $2, now())
       on conflict (app) do update set profile = excluded.profile, updated_at = now()`,
      [this.#app, this.#pool.exportTrafficProfile() as Record<string, unknown>],
    );
  }

  /** Saves every interval until `stop()`; failures are reported as process warnings. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.save().catch((err) => process.emitWarning(`could not save the WedPool traffic profile: ${String(err)}`, 'WedPoolWarning'));
    }, this.#intervalMillis);
    this.#timer.unref();
  }

  /** Stops the periodic save. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
