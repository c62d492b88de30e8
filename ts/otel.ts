/**
 * OpenTelemetry query spans, following the database semantic conventions (`db.system.name`,
 * `db.namespace`, `db.operation.name`, `db.query.text` when enabled, `server.address`,
 * `server.port`, `db.response.status_code`, `error.type`) plus WedPool's `wedpool.priority`,
 * `wedpool.reserved` and `wedpool.acquire_wait_ms`.
 *
 * `@opentelemetry/api` is an optional peer dependency: when it is not installed, or tracing is
 * turned off, nothing here runs beyond one check per statement.
 */
import { DatabaseError, WedPoolError } from './errors';

/** Tracing options of a pool (`tracing` in the pool options). */
export interface TracingOptions {
  /** Emit query spans when `@opentelemetry/api` is installed (default true). */
  enabled?: boolean;
  /** Put the statement text in `db.query.text` (default false: statements may hold literals). */
  queryText?: boolean;
}

/** The checkout a statement ran on. */
export interface Checkout {
  /** The priority it was served with. */
  priority: number;
  /** Whether it used an emergency slot. */
  reserved: boolean;
  /** How long the caller waited for it, in ms. */
  waitedMillis: number;
}

// The few parts of @opentelemetry/api used here, typed locally so that the published types do
// not depend on the optional package.
type Attributes = Record<string, string | number | boolean>;
interface Span {
  setAttributes(attributes: Attributes): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  recordException(exception: Error): unknown;
  isRecording(): boolean;
  end(): void;
}
interface Tracer {
  startSpan(name: string, options: { kind: number; attributes: Attributes }, context?: unknown): Span;
}
interface Api {
  trace: { getTracer(name: string, version?: string): Tracer };
  context: { active(): unknown };
  SpanKind: { CLIENT: number };
  SpanStatusCode: { ERROR: number };
}

let api: Api | null | undefined;

function loadApi(): Api | null {
  if (api === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      api = require('@opentelemetry/api') as Api;
    } catch {
      api = null;
    }
  }
  return api;
}

/** `user@host:port/database` (the pool's target) → server address, port and database. */
function parseTarget(target: string): { address: string; port: number | undefined; database: string } {
  const at = target.lastIndexOf('@');
  const rest = at >= 0 ? target.slice(at + 1) : target;
  const slash = rest.indexOf('/');
  const hosts = slash >= 0 ? rest.slice(0, slash) : rest;
  const database = slash >= 0 ? rest.slice(slash + 1) : '';
  const first = hosts.split(',')[0] ?? '';
  const m = /^(.*):(\d+)$/.exec(first);
  const address = (m ? m[1] : first).replace(/^\[(.*)\]$/, '$1');
  return { address, port: m ? Number(m[2]) : undefined, database };
}

/** The statement's operation: its first keyword, upper-cased (`SELECT`, `INSERT`, …). */
export function operationOf(sql: string): string {
  const m = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*([A-Za-z]+)/.exec(sql);
  return m ? m[1].toUpperCase() : '';
}

/** A started span; `finish` ends it. */
export interface ActiveQuery {
  /** Records the checkout and the outcome, and ends the span. */
  finish(checkout: Checkout | undefined, error?: unknown): void;
}

/** Starts query spans for one pool. */
export class QueryTracer {
  readonly #tracer: Tracer;
  readonly #api: Api;
  readonly #base: Attributes;
  readonly #database: string;
  readonly #queryText: boolean;

  private constructor(otel: Api, target: string, options: TracingOptions) {
    this.#api = otel;
    this.#tracer = otel.trace.getTracer('wedpool');
    const { address, port, database } = parseTarget(target);
    this.#database = database;
    this.#base = { 'db.system.name': 'postgresql', 'db.namespace': database, 'server.address': address };
    if (port !== undefined) this.#base['server.port'] = port;
    this.#queryText = options.queryText === true;
  }

  /** A tracer for a pool whose target is `target`, or `undefined` when there is nothing to trace into. */
  static create(target: string, options: TracingOptions | undefined): QueryTracer | undefined {
    if (options?.enabled === false) return undefined;
    const otel = loadApi();
    return otel ? new QueryTracer(otel, target, options ?? {}) : undefined;
  }

  /** Starts a span for `sql` under the active context; `undefined` when no SDK records it. */
  start(sql: string): ActiveQuery | undefined {
    const operation = operationOf(sql);
    const attributes: Attributes = { ...this.#base };
    if (operation) attributes['db.operation.name'] = operation;
    if (this.#queryText) attributes['db.query.text'] = sql;
    const name = operation ? `${operation} ${this.#database}` : this.#database || 'postgresql';
    const span = this.#tracer.startSpan(name, { kind: this.#api.SpanKind.CLIENT, attributes }, this.#api.context.active());
    if (!span.isRecording()) {
      span.end();
      return undefined;
    }
    const errorCode = this.#api.SpanStatusCode.ERROR;
    return {
      finish(checkout, error) {
        if (checkout) {
          span.setAttributes({
            'wedpool.priority': checkout.priority,
            'wedpool.reserved': checkout.reserved,
            'wedpool.acquire_wait_ms': checkout.waitedMillis,
          });
        }
        if (error !== undefined) {
          const err = error instanceof Error ? error : new Error(String(error));
          const code = err instanceof WedPoolError ? err.code : err.name;
          const failure: Attributes = { 'error.type': code };
          if (err instanceof DatabaseError) failure['db.response.status_code'] = code;
          span.setAttributes(failure);
          span.recordException(err);
          span.setStatus({ code: errorCode, message: err.message });
        }
        span.end();
      },
    };
  }
}
