// Stop, start and restart a throwaway server (from ./postgres.mjs) without blocking the event
// loop: pg_ctl runs as a child process, so timers and sockets keep running while the server
// goes down and comes back, and times measured around these calls are real.
//
//   const ctl = serverControl(server);   // server = await startThrowawayPostgres()
//   await ctl.pause('fast'); await ctl.resume(); await ctl.restart('fast');
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { asPostgresUser } from './host.mjs';
import { findPostgresBinaries } from './postgres.mjs';

/** Runs pg_ctl (as `postgres` when root); rejects with its output when it exits non-zero. */
function pgCtl(args) {
  const bindir = findPostgresBinaries();
  if (!bindir) return Promise.reject(new Error('no PostgreSQL binaries (pg_ctl) found'));
  const bin = join(bindir, 'pg_ctl');
  const [cmd, argv] = asPostgresUser(bin, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl ${args.join(' ')} failed (${code}): ${out.trim()}`))));
  });
}

/**
 * Asynchronous control of a server returned by `startThrowawayPostgres()`. Every method resolves
 * once pg_ctl has finished waiting (`-w`, at most 30 s): `resume`/`restart` once the server
 * accepts connections, `pause` once it has stopped. Embedded servers use their own async calls.
 */
export function serverControl(server) {
  const log = join(server.dataDir, 'server.log');
  const debian = server.kind === 'debian';
  let running = true;
  return {
    get running() {
      return running;
    },
    /** Stops the server (`fast`: sessions end with 57P01; `immediate`: they are cut). */
    async pause(mode = 'fast') {
      if (debian) await pgCtl(['-D', server.dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
      else await server.pause(mode);
      running = false;
    },
    /** Starts it again. */
    async resume() {
      if (debian) await pgCtl(['-D', server.dataDir, '-l', log, '-w', '-t', '30', 'start']);
      else await server.resume();
      running = true;
    },
    /** `pg_ctl restart -m <mode>`. */
    async restart(mode = 'fast') {
      if (debian) await pgCtl(['-D', server.dataDir, '-m', mode, '-w', '-t', '30', '-l', log, 'restart']);
      else await server.restart(mode);
      running = true;
    },
  };
}
