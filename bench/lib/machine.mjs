// The machine description stored with every result: CPU model and cores, memory, OS, Node,
// PostgreSQL server version and settings that matter, library versions, pgbench.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const version = (pkgJson) => {
  try {
    return JSON.parse(readFileSync(fileURLToPath(new URL(pkgJson, import.meta.url)), 'utf8')).version;
  } catch {
    return 'unknown';
  }
};

/** `server` is { version, maxConnections, kind } from the orchestrator's probe query. */
export function describeMachine(server, pgbench) {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgresql: server.version,
    postgresqlMaxConnections: server.maxConnections,
    database: server.kind,
    libraries: {
      wedpool: version('../../package.json'),
      pg: version('../../node_modules/pg/package.json'),
      'pg-pool': version('../../node_modules/pg-pool/package.json'),
      postgres: version('../../node_modules/postgres/package.json'),
    },
    pgbench: pgbench ? pgbench.version : 'not installed (skipped)',
  };
}
