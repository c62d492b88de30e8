// OpenTelemetry query spans from the native API and wedpool/pg, read back from the SDK's
// in-memory exporter: database semantic conventions plus wedpool.priority / reserved /
// acquire_wait_ms; errors set the span status; nothing breaks without @opentelemetry/api.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { withWeddingContext } from '../dist/pg/index.js';
import { wedPgPool } from './support/pg-compat';
import { DATABASE_URL, makePool } from './support/pool';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  trace.disable();
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

const spans = () => exporter.getFinishedSpans();
const url = () => new URL(DATABASE_URL());

describe('OpenTelemetry spans', () => {
  it('the native API emits a client span per statement with the database conventions and WedPool attributes', async () => {
    const pool = makePool();
    await pool.query('select $1::int as n', [1], { isCriticalOperation: true });
    const [span] = spans();
    expect(spans()).toHaveLength(1);
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.name).toBe(`SELECT ${url().pathname.slice(1)}`);
    expect(span.attributes).toMatchObject({
      'db.system.name': 'postgresql',
      'db.namespace': url().pathname.slice(1),
      'db.operation.name': 'SELECT',
      'server.address': url().hostname,
      'server.port': Number(url().port || 5432),
      'wedpool.priority': pool.calculateConnectionPriority({ isCriticalOperation: true }),
      'wedpool.reserved': false,
    });
    expect(span.attributes['wedpool.acquire_wait_ms']).toBeGreaterThanOrEqual(0);
    expect(span.attributes['db.query.text']).toBeUndefined();
    expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('a failing statement sets the error status, error.type and the SQLSTATE', async () => {
    const pool = makePool();
    await expect(pool.query('select 1 / 0')).rejects.toMatchObject({ code: '22012' });
    const [span] = spans();
    expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'division by zero' });
    expect(span.attributes).toMatchObject({ 'error.type': '22012', 'db.response.status_code': '22012' });
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('statements on a borrowed connection are traced, with the statement text when enabled', async () => {
    const pool = makePool({ tracing: { queryText: true } });
    const conn = await pool.getConnection({ isActiveWedding: true });
    await conn.query('select 2 as two');
    conn.release();
    const [span] = spans();
    expect(span.attributes['db.query.text']).toBe('select 2 as two');
    expect(span.attributes['wedpool.priority']).toBe(pool.calculateConnectionPriority({ isActiveWedding: true }));
  });

  it('tracing can be turned off per pool', async () => {
    const pool = makePool({ tracing: { enabled: false } });
    await pool.query('select 1');
    expect(spans()).toHaveLength(0);
  });

  it('wedpool/pg emits spans for pool.query and for Kysely queries, carrying the wedding context priority', async () => {
    const pool = wedPgPool();
    await pool.query('select 1');
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
    await withWeddingContext({ isWeddingCritical: true, isActiveWedding: true }, () => sql`select 3`.execute(db));
    await db.destroy();
    const finished = spans();
    expect(finished).toHaveLength(2);
    expect(finished.every((s) => s.attributes['db.system.name'] === 'postgresql')).toBe(true);
    expect(finished[1].attributes['wedpool.priority']).toBe(pool.wedpool.calculateConnectionPriority({ isWeddingCritical: true, isActiveWedding: true }));
  });

  it('runs without @opentelemetry/api installed', () => {
    // A child process in which requiring @opentelemetry/api fails, as when it is not installed.
    const hide = "const M=require('module');const r=M._resolveFilename;M._resolveFilename=function(req,...a){if(req==='@opentelemetry/api'){const e=new Error('not found');e.code='MODULE_NOT_FOUND';throw e}return r.call(this,req,...a)};";
    const script = `${hide}const {Pool}=require(${JSON.stringify(join(__dirname, '..', 'dist', 'pg', 'index.js'))});
      const pool=new Pool({connectionString:process.env.DATABASE_URL,fleetBudget:false});
      pool.query('select 40 + 2 as n').then(r=>{console.log(r.rows[0].n);return pool.end()}).catch(e=>{console.error(e);process.exit(1)});`;
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, DATABASE_URL: DATABASE_URL() }, encoding: 'utf8' });
    expect(out.trim()).toBe('42');
  });
});

