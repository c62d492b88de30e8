// A throwaway PgBouncer in transaction mode in front of a PostgreSQL server, for tests and
// benchmarks.
//
//   const bouncer = await startPgBouncer({ serverPort: 5432 });
//   // bouncer.url → postgres://postgres@127.0.0.1:<port>/postgres
//   await bouncer.stop();
//
// It uses Debian's `pgbouncer` package (1.18 on bookworm: no protocol-level prepared
// statements, so named statements fail there about as often as the pooler switches server
// connections). PgBouncer refuses to run as root: when this process is root it runs as the
// `postgres` user. `auth_type = trust` still needs an `auth_file` naming the user. Nothing is
// left behind after `stop()`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { asPostgresUser, freePort, isRoot } from './host.mjs';

/** The pgbouncer executable, or null when it is not installed. */
export function findPgBouncer() {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']) {
    if (existsSync(candidate)) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/**
 * Starts PgBouncer. Options: `serverPort` (required), `serverHost` (default 127.0.0.1),
 * `user` (default postgres), `poolSize` (`default_pool_size`, default 2), `poolMode` (default
 * `transaction`), `port` (default: a free one), `maxClientConn` (default 2000).
 * Returns `{ url, port, version, logFile, stop }`; `url` names the `postgres` database.
 */
export async function startPgBouncer(options) {
  const bin = findPgBouncer();
  if (!bin) throw new Error('pgbouncer is not installed (Debian: apt-get install pgbouncer)');
  const user = options.user ?? 'postgres';
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'wedpool-bouncer-'));
  const files = {
    ini: join(dir, 'pgbouncer.ini'),
    users: join(dir, 'userlist.txt'),
    log: join(dir, 'pgbouncer.log'),
    pid: join(dir, 'pgbouncer.pid'),
  };
  writeFileSync(files.users, `"${user}" ""\n`);
  writeFileSync(
    files.ini,
    [
      '[databases]',
      `* = host=${options.serverHost ?? '127.0.0.1'} port=${options.serverPort}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${files.users}`,
      `pool_mode = ${options.poolMode ?? 'transaction'}`,
      `default_pool_size = ${options.poolSize ?? 2}`,
      `max_client_conn = ${options.maxClientConn ?? 2000}`,
      // postgres.js sends extra_float_digits; PgBouncer refuses unknown startup parameters.
      'ignore_startup_parameters = extra_float_digits',
      `logfile = ${files.log}`,
      `pidfile = ${files.pid}`,
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
  );
  if (isRoot) {
    const [uid, gid] = ['-u', '-g'].map((f) => Number(execFileSync('id', [f, 'postgres'], { encoding: 'utf8' }).trim()));
    for (const path of [dir, files.ini, files.users]) chownSync(path, uid, gid);
  }
  const [cmd, argv] = asPostgresUser(bin, ['-d', files.ini]);
  const started = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (started.status !== 0) {
    const log = existsSync(files.log) ? readFileSync(files.log, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pgbouncer failed to start (${started.status}): ${started.stderr}${log}`);
  }
  await waitForPort(port, 10_000);
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  let stopped = false;
  return {
    url: `postgres://${user}@127.0.0.1:${port}/postgres`,
    port,
    version,
    logFile: files.log,
    /** Stops PgBouncer (its server connections close) and removes its files. */
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const pid = existsSync(files.pid) ? Number(readFileSync(files.pid, 'utf8').trim()) : 0;
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const deadline = Date.now() + 5_000;
        while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 20));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
