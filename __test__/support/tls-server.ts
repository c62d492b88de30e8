// A spec file's own TLS-only PostgreSQL: a throwaway cluster with `ssl = on`, certificates
// from `tls-pki.ts`, and a pg_hba.conf that rejects every TCP connection without TLS
// (`hostnossl … reject`). Roles: `certuser` (client-certificate login, `cert`), `scramuser`
// (password `scram-secret-pw`, scram-sha-256 — for channel binding), everyone else trust.
// Administration goes over the Unix socket, which the rules leave open.
//
//   const tls = useTlsPostgres();   // tls.port, tls.pki, tls.admin(sql), tls.useCertificate('expired')
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

import { useThrowawayPostgres } from './throwaway';
import { makeTestPki, serverKeyFor, type TestPki } from './tls-pki';

export const SCRAM_USER = 'scramuser';
export const SCRAM_PASSWORD = 'scram-secret-pw';
export const CERT_USER = 'certuser';

export interface TlsServer {
  readonly port: number;
  readonly pki: TestPki;
  /** Runs one statement as the superuser over the Unix socket. */
  admin<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Serves `name.crt`/`name.key` from the PKI from now on (reload; waits until it shows). */
  useCertificate(name: string): Promise<void>;
}

const HBA = [
  'local all all trust',
  'hostnossl all all all reject',
  `hostssl all ${CERT_USER} all cert`,
  `hostssl all ${SCRAM_USER} all scram-sha-256`,
  'hostssl all all all trust',
].join('\n');

/** Registers the hooks that make the PKI and start the TLS-only server. */
export function useTlsPostgres(): TlsServer {
  let pki: TestPki | null = null;
  beforeAll(async () => {
    pki = await makeTestPki();
  }, 60_000);
  const db = useThrowawayPostgres();
  afterAll(() => pki?.remove());

  const admin = async <R>(sql: string, params: unknown[] = []): Promise<R[]> => {
    const c = new pg.Client({ host: db.dataDir, port: db.port, user: 'postgres', database: 'postgres' });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as R[];
    } finally {
      await c.end().catch(() => {});
    }
  };

  /** The PEM the server presents now, read with Node's own TLS (no verification). */
  const presented = async (): Promise<string> => {
    const c = new pg.Client({ host: '127.0.0.1', port: db.port, user: 'postgres', ssl: { rejectUnauthorized: false } });
    await c.connect();
    try {
      const socket = (c as unknown as { connection: { stream: import('node:tls').TLSSocket } }).connection.stream;
      return socket.getPeerCertificate().fingerprint256;
    } finally {
      await c.end().catch(() => {});
    }
  };

  const server: TlsServer = {
    get port() {
      return db.port;
    },
    get pki() {
      if (!pki) throw new Error('the test PKI is made in beforeAll');
      return pki;
    },
    admin,
    async useCertificate(name) {
      const { cert, key } = serverKeyFor(server.pki, name);
      await admin(`alter system set ssl_cert_file = '${cert}'`);
      await admin(`alter system set ssl_key_file = '${key}'`);
      await admin('select pg_reload_conf()');
      const want = new (await import('node:crypto')).X509Certificate(readFileSync(cert)).fingerprint256;
      const deadline = Date.now() + 10_000;
      while ((await presented().catch(() => '')) !== want) {
        if (Date.now() > deadline) throw new Error(`the server did not switch to the ${name} certificate`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };

  beforeAll(async () => {
    await admin(`alter system set ssl_ca_file = '${server.pki.path('ca.crt')}'`);
    await admin('alter system set ssl = on');
    await admin("set password_encryption = 'scram-sha-256'");
    await admin(`create role ${SCRAM_USER} login password '${SCRAM_PASSWORD}'`);
    await admin(`create role ${CERT_USER} login`);
    writeFileSync(join(db.dataDir, 'pg_hba.conf'), HBA + '\n'); // in place: owner and mode are kept
    await server.useCertificate('server');
    // The reload is asynchronous: wait until a connection without TLS is refused.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const plain = new pg.Client({ host: '127.0.0.1', port: db.port, user: 'postgres' });
      const refused = await plain.connect().then(
        () => false,
        (e: { code?: string }) => e.code === '28000',
      );
      await plain.end().catch(() => {});
      if (refused) break;
      if (Date.now() > deadline) throw new Error('pg_hba.conf reload did not take effect');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  return server;
}
