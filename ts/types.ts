/** Public types shared by the facade's modules. */

/** What the application knows about a request; every field is optional. */
export interface DatabaseContext {
  /** The request serves a wedding happening now (+1000). */
  isActiveWedding?: boolean;
  /** Overrides the calendar: today is (or is not) a wedding day (+500). */
  isWeddingDay?: boolean;
  /** A business-critical operation such as a payment (+300). */
  isCriticalOperation?: boolean;
  /** May use the emergency reserve on a wedding day. */
  isWeddingCritical?: boolean;
  /** The wedding served, for diagnostics. */
  weddingId?: string;
  /** A name for the operation, for diagnostics. */
  operation?: string;
}

/** The emergency reserve in {@link PoolStats}. */
export interface ReservedStats {
  /** Configured emergency slots. */
  size: number;
  /** Warm connections ready for a wedding-critical caller. */
  idle: number;
  /** Emergency slots in use. */
  inUse: number;
}

/** `pool.stats()`. */
export interface PoolStats {
  /** Open connections. */
  size: number;
  /** Idle connections. */
  idle: number;
  /** Connections held by callers. */
  inUse: number;
  /** Queued callers. */
  waiting: number;
  /** Connections being opened. */
  pending: number;
  /** Current minimum (after wedding-day scaling). */
  minSize: number;
  /** Current maximum (after wedding-day scaling). */
  maxSize: number;
  /** The emergency reserve. */
  reserved: ReservedStats;
  /** Whether the calendar says today is a wedding day. */
  weddingDay: boolean;
  /** Scaling in force and why. */
  scaling: { multiplier: number; reason: string };
  /** Connections handed out since start. */
  acquired: number;
  /** Acquires that timed out since start. */
  timeouts: number;
  /** Callers shed since start (queue full: `POOL_OVERLOADED`; database down: `DATABASE_UNAVAILABLE`). */
  shed: number;
  /** Connections opened since start. */
  created: number;
  /** Connections closed since start. */
  removed: number;
  /** Failed connection attempts since start. */
  connectFailures: number;
  /**
   * Of those, attempts the server refused because it was full (53300 `too many clients`, or only
   * reserved slots left). Back-pressure, never an outage: health stays `degraded` at worst and
   * callers keep waiting within their deadline.
   */
  serverFull: number;
  /** This instance's share of the server's connections (fleet budget), once read; else null. */
  budget: number | null;
}

/** A change of the scaling target the pool expects. */
export interface PlannedChange {
  /** When (calendar time). */
  at: Date;
  /** Min from then on. */
  min: number;
  /** Max from then on. */
  max: number;
  /** Why: `base`, `wedding day in …`, `lead-in before …`, `forecast for …`, `…; capped by budget (N)`. */
  reason: string;
}

/** `pool.scalingPlan()`: the target now and the next changes, each with its reason. */
export interface ScalingPlan {
  /** In force now. */
  target: { min: number; max: number; reason: string };
  /** Expected in the next 48 hours of calendar time, soonest first. */
  next: PlannedChange[];
}

/** A result column. */
export interface FieldDef {
  /** Column name. */
  name: string;
  /** OID of the source table (0 when computed). */
  tableID: number;
  /** Column number in that table (0 when computed). */
  columnID: number;
  /** OID of the column's type. */
  dataTypeID: number;
  /** The type's size in bytes (`pg_type.typlen`; -1 for variable-length types). */
  dataTypeSize: number;
  /** The type modifier (`atttypmod`, e.g. a `varchar(n)`'s n + 4; -1 when none). */
  dataTypeModifier: number;
  /** `'text'`: values are what node-postgres's text-format results give. */
  format: string;
}

/** What a statement returned (the shape node-postgres users know). */
export interface QueryResult<R = Record<string, unknown>> {
  /** `SELECT`, `INSERT`, `UPDATE`, … */
  command: string;
  /**
   * Rows returned, or affected by INSERT/UPDATE/DELETE/MERGE/COPY, from the server's command tag;
   * `null` when the tag has no count (`CREATE TABLE`, `BEGIN`, `SET`, …), as in node-postgres.
   */
  rowCount: number | null;
  /** The rows: objects keyed by column name, or arrays with `rowMode: 'array'`. */
  rows: R[];
  /** The columns. */
  fields: FieldDef[];
}

/** A value that can be bound as a parameter. */
export type QueryParam =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Date
  | Buffer
  | Uint8Array
  | QueryParam[]
  | { [key: string]: unknown };

/** Per-query options. */
export interface QueryOptions {
  /** `'array'` returns each row as an array of values in column order. */
  rowMode?: 'array' | 'object';
  /** Statement deadline in ms (default: the pool's `queryTimeoutMillis`; 0: none). */
  queryTimeoutMillis?: number;
}

/** `pool.health()`: the pool's view of the database. */
export interface HealthReport {
  /** `healthy`: connections open fine; `degraded`: failures but still working or retrying; `down`: unreachable. */
  state: 'healthy' | 'degraded' | 'down';
  /** When the state began. */
  since: Date;
  /** Failed connection attempts in a row. */
  consecutiveFailures: number;
  /** The most recent failure. */
  lastError?: Error;
}

/** Options for acquiring a connection. */
export interface AcquireOptions {
  /** Abort the wait (the caller is removed from the queue at once). */
  signal?: AbortSignal;
  /** Deadline for this acquire, in ms (default: `basePoolSize.acquireTimeoutMillis`). */
  timeoutMillis?: number;
}

/**
 * Why the pool closed a connection (`remove` events, `wedpool_connections_removed_total`):
 * idle above min too long, the target shrank, past its lifetime, its state unknown or dead,
 * closed by the server, the server shutting down (57P01/57P02/57P03), a failed keepalive
 * probe, a failed `ROLLBACK` after being returned inside a transaction, the pool ended, or
 * its host was demoted (`read_only`, under `targetSessionAttrs` `read-write`/`primary`).
 */
export type RemoveReason =
  | 'idle_timeout'
  | 'scale_down'
  | 'max_lifetime'
  | 'broken'
  | 'closed_by_server'
  | 'admin_shutdown'
  | 'keepalive_failed'
  | 'rollback_failed'
  | 'pool_ended'
  | 'read_only';

/**
 * Events the pool emits (`pool.on(name, listener)` is typed by this map). None of them is
 * `'error'`: nothing can crash a process. `connect`, `acquire`, `release`, `remove`, `scale` and
 * `health` come from the native pool and cost nothing until someone listens; `leak` and
 * `commitResolved` come from the facade.
 */
export interface PoolEvents {
  /** A new connection opened. */
  connect: { connectionId: number; processId: number };
  /** A connection was handed out. */
  acquire: { connectionId: number; processId: number; priority: number; reserved: boolean; waitedMicros: number };
  /** A connection came back. */
  release: { connectionId: number; heldMicros: number };
  /** A connection closed, and why. */
  remove: { connectionId: number; processId: number; reason: RemoveReason };
  /** The scaling target changed. */
  scale: { fromMin: number; fromMax: number; toMin: number; toMax: number; multiplier: number; reason: string };
  /** The pool's view of the database changed. */
  health: { state: 'healthy' | 'degraded' | 'down'; consecutiveFailures: number; lastError?: string; lastErrorCode?: string };
  /** A connection has been held longer than `leakDetectionThresholdMillis` (emitted once per acquire). */
  leak: { processId: number; heldMillis: number; stack: string; context?: DatabaseContext };
  /** `transaction()` lost the answer to COMMIT and asked the server what became of it. */
  commitResolved: {
    /** The transaction (decimal text); `null` when it had written nothing (no id assigned). */
    transactionId: string | null;
    /** What the server reported. */
    outcome: 'committed' | 'aborted' | 'unknown';
    /** Always `true`: the answer to COMMIT never arrived. */
    resolvedAfterConnectionLoss: true;
    /** Which attempt of `fn` it was. */
    attempt: number;
    /** How long asking took, in ms. */
    resolveMillis: number;
    /** The caller's context. */
    context?: DatabaseContext;
  };
}

/** One sample of a {@link MetricFamily}. */
export interface MetricSample {
  /** Series name (a histogram's end in `_bucket`, `_sum`, `_count`). */
  name: string;
  /** Labels, in exposition order (`pool` first), values unescaped. */
  labels: Record<string, string>;
  /** The value. */
  value: number;
}

/** One metric family of `pool.metricFamilies()`: what `pool.metrics()` renders as text. */
export interface MetricFamily {
  /** Family name (`wedpool_connections`, …). */
  name: string;
  /** Help text. */
  help: string;
  /** Prometheus type. */
  type: 'gauge' | 'counter' | 'histogram';
  /** Its samples. */
  samples: MetricSample[];
}
