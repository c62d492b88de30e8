// The machine description stored with every result: CPU model and cores, memory, OS, Node,
// PostgreSQL server version and settings that matter, library versions, pgbench.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const version = (pkgJson) => {
  try {
    return JSON.parse(readFileSync(fileURLToPath(new URL(pkgJson, import.meta.url)), 'utf8')).version;
  } catch {
    return 'unknown';
  }
};

/** The WedPool addon in native/ (name, size, mtime): a rebuild during a run shows up here. */
export function nativeBuild() {
  const dir = fileURLToPath(new URL('../../native/', import.meta.url));
  try {
    const name = readdirSync(dir).find((f) => f.endsWith('.node'));
    const st = statSync(dir + name);
    return `${name} ${st.size} bytes, built ${st.mtime.toISOString()}`;
  } catch {
    return 'not built';
  }
}

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
    wedpoolAddon: nativeBuild(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    pgbench: pgbench ? pgbench.version : 'not found (skipped)',
  };
}
