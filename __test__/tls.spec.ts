// TLS against a real TLS-only PostgreSQL (own throwaway cluster, certificates made by the test):
// every sslmode's success and refusal, host names, other CAs, expiry, client certificates,
// channel binding, node-postgres's `ssl` option, and cancel requests over TLS.
import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError, ConnectionError, QueryTimeoutError, type WeddingPoolOptions } from '../dist/index.js';
import { Pool as PgCompatPool } from '../dist/pg/index.js';
import { makePool, sleep } from './support/pool';
import { useThrowawayPostgres } from './support/throwaway';
import { CERT_USER, SCRAM_PASSWORD, SCRAM_USER, useTlsPostgres } from './support/tls-server';

const tls = useTlsPostgres();

/** A URL to the TLS server (`127.0.0.1` unless `host` says otherwise; `hostaddr` keeps the TCP target). */
function url(params: Record<string, string> = {}, opts: { user?: string; password?: string; host?: string } = {}): string {
  const auth = opts.password ? `${opts.user}:${encodeURIComponent(opts.password)}` : (opts.user ?? 'postgres');
  const query = new URLSearchParams(params).toString();
  return `postgres://${auth}@${opts.host ?? '127.0.0.1'}:${tls.port}/postgres${query ? `?${query}` : ''}`;
}

/** Whether a session opened with `options` is encrypted (pg_stat_ssl), and its TLS version. */
async function session(options: WeddingPoolOptions): Promise<{ ssl: boolean; version: string | null; user: string }> {
  const pool = makePool({ connectTimeoutMillis: 5_000, basePoolSize: { max: 1 }, ...options });
  const { rows } = await pool.query<{ ssl: boolean; version: string | null; user: string }>(
    'select ssl, version, current_user as user from pg_stat_ssl where pid = pg_backend_pid()',
  );
  return rows[0];
}

/** The error `ready()` fails with for `options`. */
async function refusal(options: WeddingPoolOptions): Promise<ConnectionError> {
  const pool = makePool({ connectTimeoutMillis: 5_000, basePoolSize: { max: 1 }, ...options });
  const err = await pool.ready().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the connection should have been refused').toBeInstanceOf(ConnectionError);
  return err as ConnectionError;
}

const ca = () => tls.pki.path('ca.crt');
const otherCa = () => tls.pki.path('other-ca.crt');

describe('sslmode against a TLS-only server (hostnossl … reject)', () => {
  it('disable is refused by the server: no pg_hba entry without encryption', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'disable' }) });
    expect(err).toMatchObject({ kind: 'auth', sqlstate: '28000' });
    expect(err.message).toMatch(/no encryption/);
  });

  it('allow falls back to TLS when the plain attempt is refused', async () => {
    expect(await session({ connectionString: url({ sslmode: 'allow' }) })).toMatchObject({ ssl: true });
  });

  it('prefer (the default) encrypts when the server offers TLS', async () => {
    expect(await session({ connectionString: url() })).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    expect(await session({ connectionString: url({ sslmode: 'prefer' }) })).toMatchObject({ ssl: true });
  });

  it('require encrypts without checking the certificate (no CA, wrong host name)', async () => {
    expect(await session({ connectionString: url({ sslmode: 'require' }) })).toMatchObject({ ssl: true });
    const elsewhere = url({ sslmode: 'require', hostaddr: '127.0.0.1' }, { host: 'db.elsewhere.test' });
    expect(await session({ connectionString: elsewhere })).toMatchObject({ ssl: true });
  });

  it('require with sslrootcert checks the chain, as libpq does', async () => {
    expect(await session({ connectionString: url({ sslmode: 'require', sslrootcert: ca() }) })).toMatchObject({ ssl: true });
    const err = await refusal({ connectionString: url({ sslmode: 'require', sslrootcert: otherCa() }) });
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/unknown issuer/);
  });

  it('verify-ca accepts a certificate from the CA whatever host name it carries', async () => {
    const elsewhere = url({ sslmode: 'verify-ca', sslrootcert: ca(), hostaddr: '127.0.0.1' }, { host: 'db.elsewhere.test' });
    expect(await session({ connectionString: elsewhere })).toMatchObject({ ssl: true });
  });

  it('verify-ca refuses a certificate from another CA', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'verify-ca', sslrootcert: otherCa() }) });
    expect(err).toMatchObject({ code: 'CONNECT_FAILED', kind: 'tls' });
    expect(err.message).toMatch(/not signed by a trusted CA \(unknown issuer; trusted: sslrootcert=.*other-ca\.crt\)/);
  });

  it('verify-full accepts the server by DNS name and by IP address (subjectAltName)', async () => {
    expect(await session({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca() }, { host: 'localhost' }) })).toMatchObject({ ssl: true });
    expect(await session({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca() }) })).toMatchObject({ ssl: true });
  });

  it('verify-full refuses a host name the certificate does not name', async () => {
    const elsewhere = url({ sslmode: 'verify-full', sslrootcert: ca(), hostaddr: '127.0.0.1' }, { host: 'db.elsewhere.test' });
    const err = await refusal({ connectionString: elsewhere });
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/does not name db\.elsewhere\.test \(name mismatch; it names localhost, 127\.0\.0\.1\)/);
  });

  it('verify-full refuses another CA', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'verify-full', sslrootcert: otherCa() }) });
    expect(err).toMatchObject({ kind: 'tls', message: expect.stringMatching(/unknown issuer/) });
  });

  it('verify-full with sslrootcert=system trusts what the system trusts (SSL_CERT_FILE here)', async () => {
    const err = await refusal({ connectionString: url({ sslrootcert: 'system' }) });
    expect(err.message).toMatch(/unknown issuer; trusted: the system's trusted roots/);
    const saved = process.env.SSL_CERT_FILE;
    process.env.SSL_CERT_FILE = ca();
    try {
      expect(await session({ connectionString: url({ sslrootcert: 'system' }) })).toMatchObject({ ssl: true });
    } finally {
      if (saved === undefined) delete process.env.SSL_CERT_FILE;
      else process.env.SSL_CERT_FILE = saved;
    }
  });

  it('works the same in key=value form and as options, options overriding the string', async () => {
    const kv = `host=localhost port=${tls.port} user=postgres dbname=postgres sslmode=verify-full sslrootcert='${ca()}'`;
    expect(await session({ connectionString: kv })).toMatchObject({ ssl: true });
    const overridden = await refusal({ connectionString: kv, sslrootcert: otherCa() });
    expect(overridden.message).toMatch(/unknown issuer/);
    expect(await session({ connectionString: url({ sslmode: 'disable' }), sslmode: 'verify-full', sslrootcert: ca() })).toMatchObject({ ssl: true });
  });

  it('rejects wrong TLS configuration up front with CONFIG errors naming the option', () => {
    const bad: Array<[WeddingPoolOptions, string]> = [
      [{ connectionString: url({ sslmode: 'verify-everything' }) }, 'sslmode'],
      [{ connectionString: url({ sslmode: 'verify-full', sslrootcert: '/no/such/ca.pem' }) }, 'sslrootcert'],
      [{ connectionString: url({ sslmode: 'require', sslrootcert: 'system' }) }, 'sslmode'],
      [{ connectionString: url({ sslcert: tls.pki.path('client.crt') }) }, 'sslkey'],
      [{ connectionString: url({ sslmode: 'disable' }), channelBinding: 'require' }, 'channelBinding'],
      [{ ssl: true, sslmode: 'require' }, 'ssl'],
      [{ ssl: { ca: 'not a certificate' } }, 'ssl.ca'],
      [{ ssl: { checkServerIdentity: () => undefined } as never }, 'ssl.checkServerIdentity'],
      [{ connectionString: url({ sslpassword: 'x' }) }, 'connectionString'],
    ];
    for (const [options, field] of bad) {
      let err: unknown;
      try {
        makePool(options);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field, JSON.stringify(options)).toBe(field);
    }
  });
});

describe('node-postgres ssl option', () => {
  it('ssl: { ca } verifies the chain and the host name', async () => {
    expect(await session({ connectionString: url(), ssl: { ca: tls.pki.pem('ca.crt') } })).toMatchObject({ ssl: true });
    expect(await session({ connectionString: url(), ssl: { ca: [Buffer.from(tls.pki.pem('ca.crt'))] } })).toMatchObject({ ssl: true });
    const err = await refusal({ connectionString: url(), ssl: { ca: tls.pki.pem('ca.crt'), servername: 'db.elsewhere.test' } });
    expect(err.message).toMatch(/name mismatch/);
  });

  it('ssl: true checks against the system roots; rejectUnauthorized: false checks nothing', async () => {
    expect((await refusal({ connectionString: url(), ssl: true })).message).toMatch(/unknown issuer/);
    expect(await session({ connectionString: url(), ssl: { rejectUnauthorized: false } })).toMatchObject({ ssl: true });
  });

  it('ssl: false does not encrypt (and the TLS-only server refuses)', async () => {
    expect(await refusal({ connectionString: url({ sslmode: 'require' }), ssl: false })).toMatchObject({ kind: 'auth', sqlstate: '28000' });
  });

  it('a pg URL with ?ssl=true means ssl: true; sslmode=no-verify checks nothing', async () => {
    expect((await refusal({ connectionString: url({ ssl: 'true' }) })).message).toMatch(/unknown issuer/);
    expect(await session({ connectionString: url({ sslmode: 'no-verify', sslrootcert: otherCa() }) })).toMatchObject({ ssl: true });
  });
});

describe('wedpool/pg passes pg\'s ssl option through', () => {
  it('a pg config with ssl: { ca, cert, key } logs in with the client certificate', async () => {
    const pool = new PgCompatPool({
      host: 'localhost',
      port: tls.port,
      user: CERT_USER,
      database: 'postgres',
      ssl: { ca: tls.pki.pem('ca.crt'), cert: tls.pki.pem('client.crt'), key: tls.pki.pem('client.key') },
    });
    try {
      const { rows } = await pool.query('select ssl, current_user as u from pg_stat_ssl where pid = pg_backend_pid()');
      expect(rows[0]).toEqual({ ssl: true, u: CERT_USER });
    } finally {
      await pool.end();
    }
  });

  it('ssl: { servername } that the certificate does not name is refused', async () => {
    const pool = new PgCompatPool({ host: '127.0.0.1', port: tls.port, user: 'postgres', ssl: { ca: tls.pki.pem('ca.crt'), servername: 'db.elsewhere.test' } });
    try {
      // A query meets the pool with its database unreachable; the cause is the TLS refusal.
      const err = (await pool.query('select 1').catch((e: unknown) => e)) as { cause?: unknown };
      expect(err.cause).toMatchObject({ code: 'CONNECT_FAILED', kind: 'tls', message: expect.stringMatching(/name mismatch/) });
    } finally {
      await pool.end();
    }
  });
});

describe('client certificates (cert authentication)', () => {
  it('logs in with sslcert/sslkey files', async () => {
    const s = await session({
      connectionString: url({ sslmode: 'verify-full', sslrootcert: ca(), sslcert: tls.pki.path('client.crt'), sslkey: tls.pki.path('client.key') }, { user: CERT_USER }),
    });
    expect(s).toMatchObject({ ssl: true, user: CERT_USER });
  });

  it('logs in with ssl: { cert, key } PEM', async () => {
    const ssl = { ca: tls.pki.pem('ca.crt'), cert: tls.pki.pem('client.crt'), key: Buffer.from(tls.pki.pem('client.key')) };
    expect(await session({ connectionString: url({}, { user: CERT_USER }), ssl })).toMatchObject({ user: CERT_USER });
  });

  it('without a certificate the server refuses the login', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca() }, { user: CERT_USER }) });
    expect(err).toMatchObject({ kind: 'auth', sqlstate: '28000' });
    expect(err.message).toMatch(/certificate/);
  });

  it('a certificate from a CA the server does not trust is refused in the handshake', async () => {
    const err = await refusal({
      connectionString: url({ sslmode: 'verify-full', sslrootcert: ca(), sslcert: tls.pki.path('stranger.crt'), sslkey: tls.pki.path('stranger.key') }, { user: CERT_USER }),
    });
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/refused the TLS handshake.*client certificate/);
  });
});

describe('channel binding (SCRAM-SHA-256-PLUS)', () => {
  it('channel_binding=require logs in with scram-sha-256 over TLS', async () => {
    const s = await session({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca(), channel_binding: 'require' }, { user: SCRAM_USER, password: SCRAM_PASSWORD }) });
    expect(s).toMatchObject({ ssl: true, user: SCRAM_USER });
    const asOption = await session({ connectionString: url({ sslmode: 'require' }, { user: SCRAM_USER, password: SCRAM_PASSWORD }), channelBinding: 'require' });
    expect(asOption.user).toBe(SCRAM_USER);
  });

  it('channel_binding=require refuses a server that does not use it (trust authentication)', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'require', channel_binding: 'require' }) });
    expect(err.message).toMatch(/channel binding/);
  });

  it('a wrong password over TLS names no password', async () => {
    const err = await refusal({ connectionString: url({ sslmode: 'require' }, { user: SCRAM_USER, password: 'wrong-secret-pw' }) });
    expect(err).toMatchObject({ kind: 'auth', sqlstate: '28P01' });
    expect(JSON.stringify({ m: err.message, s: err.stack })).not.toContain('wrong-secret-pw');
  });
});

describe('cancel requests use the same TLS settings', () => {
  const sleeping = (app: string) =>
    tls.admin<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where application_name like $1 and query like 'select pg_sleep(30)%'",
      [`wedpool:${app}:%`],
    );

  it('a query timeout cancels the statement at the server over TLS', async () => {
    const pool = makePool({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca() }), applicationName: 'tls-cancel', queryTimeoutMillis: 500 });
    await expect(pool.query('select pg_sleep(30)')).rejects.toBeInstanceOf(QueryTimeoutError);
    // A cancel sent without TLS would be refused (hostnossl reject) and the backend would sleep on.
    const deadline = Date.now() + 10_000;
    while ((await sleeping('tls-cancel'))[0].n !== 0) {
      if (Date.now() > deadline) throw new Error('the statement is still running at the server: the cancel request did not arrive');
      await sleep(50);
    }
  });

  it('end() cancels statements still running at its deadline over TLS', async () => {
    const pool = makePool({ connectionString: url({ sslmode: 'require' }), applicationName: 'tls-end' });
    const running = pool.query('select pg_sleep(30)').catch((e: unknown) => e);
    const started = Date.now();
    while ((await sleeping('tls-end'))[0].n === 0) {
      if (Date.now() - started > 10_000) throw new Error('the statement never started');
      await sleep(20);
    }
    await pool.end({ timeoutMillis: 200 });
    await running;
    const deadline = Date.now() + 10_000;
    while ((await sleeping('tls-end'))[0].n !== 0) {
      if (Date.now() > deadline) throw new Error('the statement is still running at the server after end()');
      await sleep(50);
    }
  });
});

describe('certificates that are wrong in themselves', () => {
  afterAll(async () => {
    await tls.useCertificate('server');
  });

  it('a server certificate naming another host: verify-full refuses, verify-ca accepts', async () => {
    await tls.useCertificate('elsewhere');
    const err = await refusal({ connectionString: url({ sslmode: 'verify-full', sslrootcert: ca() }, { host: 'localhost' }) });
    expect(err.message).toMatch(/does not name localhost \(name mismatch; it names db\.elsewhere\.test\)/);
    expect(await session({ connectionString: url({ sslmode: 'verify-ca', sslrootcert: ca() }) })).toMatchObject({ ssl: true });
  });

  it('an expired server certificate: verify-ca refuses naming the expiry, require still encrypts', async () => {
    await tls.useCertificate('expired');
    const err = await refusal({ connectionString: url({ sslmode: 'verify-ca', sslrootcert: ca() }) });
    expect(err.kind).toBe('tls');
    expect(err.message).toMatch(/certificate has expired \(valid until 2024-02-01/);
    expect(await session({ connectionString: url({ sslmode: 'require' }) })).toMatchObject({ ssl: true });
  });
});

describe('a server without TLS', () => {
  const plain = useThrowawayPostgres();
  const plainUrl = (sslmode?: string) => `postgres://postgres@127.0.0.1:${plain.port}/postgres${sslmode ? `?sslmode=${sslmode}` : ''}`;

  it('prefer and allow connect without encryption', async () => {
    for (const mode of [undefined, 'prefer', 'allow']) {
      const pool = makePool({ connectionString: plainUrl(mode), basePoolSize: { max: 1 } });
      const { rows } = await pool.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      expect(rows[0].ssl, String(mode)).toBe(false);
    }
  });

  it('require and verify-full refuse it: the server does not support TLS', async () => {
    for (const options of [{ connectionString: plainUrl('require') }, { connectionString: plainUrl(), sslmode: 'verify-full' as const, sslrootcert: ca() }]) {
      const pool = makePool({ ...options, basePoolSize: { max: 1 } });
      const err = await pool.ready().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CONNECT_FAILED', kind: 'tls', message: expect.stringMatching(/does not support TLS/) });
    }
  });
});
