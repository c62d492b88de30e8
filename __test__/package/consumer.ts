// The empty project the install spec installs the tarballs into: its package.json, two scripts
// that query through `require` and `import`, and TypeScript consumers with one tsconfig per
// module resolution (type-checked with the repository's TypeScript and @types/node).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot, run, type Packaged, type RunResult } from '../support/packaged';

const QUERY_CJS = `const { WeddingAwareConnectionPool } = require('wedpool');
const pg = require('wedpool/pg');
(async () => {
  const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
  const pgPool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    const { rows } = await pool.query('select $1::int + 1 as n', [41]);
    const pgResult = await pgPool.query('select $1::text as greeting', ['hello']);
    const binary = process.report.getReport().sharedObjects.find((f) => f.endsWith('.node'));
    console.log(JSON.stringify({ rows, pgRows: pgResult.rows, pgCommand: pgResult.command, binary }));
  } finally {
    await Promise.all([pool.end(), pgPool.end()]);
  }
})().catch((err) => { console.error(err); process.exit(1); });
`;

const QUERY_MJS = `import { WeddingAwareConnectionPool, WedPoolError, DatabaseError } from 'wedpool';
import wedpool from 'wedpool';
import { Pool } from 'wedpool/pg';
import pg from 'wedpool/pg';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const required = require('wedpool');
const pool = new WeddingAwareConnectionPool({ connectionString: process.env.DATABASE_URL });
try {
  const { rows } = await pool.query('select 7 as n');
  let errorIsTyped = false;
  try {
    await pool.query('select * from no_such_table_for_the_install_spec');
  } catch (err) {
    errorIsTyped = err instanceof DatabaseError && err instanceof required.WedPoolError && err.code === '42P01';
  }
  const pgPool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const pgClient = await pgPool.connect();
  const pgRows = (await pgClient.query({ text: 'select 3 as n', rowMode: 'array' })).rows;
  pgClient.release();
  await pgPool.end();
  console.log(JSON.stringify({
    rows,
    pgRows,
    pgSameAsRequire: require('wedpool/pg').Pool === Pool && pg.Pool === Pool,
    sameClassAsRequire: required.WedPoolError === WedPoolError && required.WeddingAwareConnectionPool === WeddingAwareConnectionPool,
    defaultIsModule: wedpool === required,
    errorIsTyped,
  }));
} finally {
  await pool.end();
}
`;

const CONSUMER_BODY = `const pool = new WeddingAwareConnectionPool({ connectionString: 'postgres://localhost/app', basePoolSize: { max: 4 } });
export async function firstName(id: number): Promise<string | undefined> {
  const result: QueryResult<{ name: string }> = await pool.query<{ name: string }>('select name from guests where id = $1', [id]);
  return result.rows[0]?.name;
}
export function describeError(err: unknown): string {
  return err instanceof DatabaseError ? err.code : err instanceof WedPoolError ? err.message : String(err);
}
`;

const IMPORTS = `import { WeddingAwareConnectionPool, WedPoolError, DatabaseError, type QueryResult } from 'wedpool';
import { Pool, withWeddingContext, type PoolClient } from 'wedpool/pg';
`;

const PG_BODY = `const pgPool = new Pool({ connectionString: 'postgres://localhost/app', max: 4 });
export async function critical(): Promise<number> {
  const client: PoolClient = await pgPool.connect();
  try {
    const result = await withWeddingContext({ isWeddingCritical: true }, () => client.query<{ n: number }>('select 1 as n'));
    return result.rows[0].n;
  } finally {
    client.release();
  }
}
`;

/** The consumer's TypeScript files: `.cts` and `.mts` for node16, `.ts` for bundler. */
const SOURCES: Record<string, string> = {
  'consumer.cts': IMPORTS + CONSUMER_BODY + PG_BODY,
  'consumer.mts': `${IMPORTS}import wedpool from 'wedpool';\nexport const WeddingPool: typeof WeddingAwareConnectionPool = wedpool.WeddingAwareConnectionPool;\n${CONSUMER_BODY}${PG_BODY}`,
  'bundled.ts': `${IMPORTS}import wedpool from 'wedpool';\nexport const WeddingPool: typeof WeddingAwareConnectionPool = wedpool.WeddingAwareConnectionPool;\n${CONSUMER_BODY}${PG_BODY}`,
};

function tsconfig(resolution: 'node16' | 'bundler'): object {
  return {
    compilerOptions: {
      module: resolution === 'node16' ? 'node16' : 'esnext',
      moduleResolution: resolution,
      target: 'es2022',
      strict: true,
      noEmit: true,
      // Check wedpool's declaration files too: they are what is being tested.
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(repoRoot, 'node_modules', '@types')],
    },
    include: resolution === 'node16' ? ['ts/*.cts', 'ts/*.mts'] : ['ts/*.ts'],
  };
}

/** Writes the project: a dependency on the root tarball, the platform package via `overrides`. */
export function writeConsumerProject(dir: string, packaged: Packaged): void {
  const manifest = {
    name: 'wedpool-install-check',
    version: '1.0.0',
    private: true,
    dependencies: { wedpool: `file:${packaged.rootTarball}` },
    overrides: { [packaged.platformPackage]: `file:${packaged.platformTarball}` },
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(dir, 'query.cjs'), QUERY_CJS);
  writeFileSync(join(dir, 'query.mjs'), QUERY_MJS);
  mkdirSync(join(dir, 'ts'), { recursive: true });
  for (const [file, text] of Object.entries(SOURCES)) writeFileSync(join(dir, 'ts', file), text);
  for (const resolution of ['node16', 'bundler'] as const) {
    writeFileSync(join(dir, `tsconfig.${resolution}.json`), `${JSON.stringify(tsconfig(resolution), null, 2)}\n`);
  }
}

/** Runs the repository's `tsc` over the consumer with the given module resolution. */
export function typeCheckConsumer(dir: string, resolution: 'node16' | 'bundler', env: NodeJS.ProcessEnv): Promise<RunResult> {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  return run(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`], { cwd: dir, env, timeoutMs: 280_000 });
}
