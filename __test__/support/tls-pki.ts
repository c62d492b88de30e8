// Certificates for TLS tests, made with the openssl CLI in a temporary directory: a CA (v3,
// CA:TRUE) and another CA, a server certificate for localhost + 127.0.0.1, one that names only
// another host, an expired one, and client certificates (CN = role name) from both CAs.
//
//   const pki = await makeTestPki();   // pki.path('ca.crt'), pki.pem('ca.crt'); pki.remove()
//
// The directory is world-readable (the server runs as `postgres`); server keys are handed to
// `postgres` by `serverKeyFor` below, because PostgreSQL refuses keys others can read.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestPki {
  readonly dir: string;
  /** Absolute path of a file in the PKI directory. */
  path(name: string): string;
  /** A file's PEM text. */
  pem(name: string): string;
  /** Removes the directory. */
  remove(): void;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function openssl(dir: string, args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

async function makeCa(dir: string, name: string): Promise<void> {
  await openssl(dir, [
    'req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '30', '-subj', `/CN=wedpool test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
}

/** A leaf certificate `name.crt`/`name.key` signed by `ca`, with `ext` (v3 extension lines). */
async function makeLeaf(dir: string, name: string, ca: string, subject: string, ext: string, validity?: { start: string; end: string }): Promise<void> {
  await openssl(dir, ['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${ext}\n`);
  if (!validity) {
    await openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '30', '-extfile', `${name}.ext`]);
    return;
  }
  // `openssl x509` (3.0) cannot back-date; `openssl ca` takes explicit dates.
  const caDir = join(dir, `${name}-ca`);
  mkdirSync(caDir, { recursive: true });
  writeFileSync(join(caDir, 'index.txt'), '');
  writeFileSync(join(caDir, 'serial'), '1000\n');
  writeFileSync(
    join(caDir, 'ca.cnf'),
    [
      '[ca]', 'default_ca = test', '[test]', `dir = ${caDir}`, 'database = $dir/index.txt', 'serial = $dir/serial',
      'new_certs_dir = $dir', 'default_md = sha256', 'policy = any', 'unique_subject = no', '[any]', 'commonName = supplied',
    ].join('\n') + '\n',
  );
  await openssl(dir, [
    'ca', '-batch', '-config', join(caDir, 'ca.cnf'), '-cert', `${ca}.crt`, '-keyfile', `${ca}.key`, '-in', `${name}.csr`,
    '-out', `${name}.crt`, '-startdate', validity.start, '-enddate', validity.end, '-extfile', `${name}.ext`, '-notext',
  ]);
}

/** Makes the test PKI (about a second). */
export async function makeTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'wedpool-pki-'));
  chmodSync(dir, 0o755);
  await makeCa(dir, 'ca');
  await makeCa(dir, 'other-ca');
  const serverExt = 'extendedKeyUsage=serverAuth';
  await makeLeaf(dir, 'server', 'ca', '/CN=localhost', `${serverExt}\nsubjectAltName=DNS:localhost,IP:127.0.0.1`);
  await makeLeaf(dir, 'elsewhere', 'ca', '/CN=db.elsewhere.test', `${serverExt}\nsubjectAltName=DNS:db.elsewhere.test`);
  await makeLeaf(dir, 'expired', 'ca', '/CN=localhost', `${serverExt}\nsubjectAltName=DNS:localhost,IP:127.0.0.1`, {
    start: '20240101000000Z',
    end: '20240201000000Z',
  });
  await makeLeaf(dir, 'client', 'ca', '/CN=certuser', 'extendedKeyUsage=clientAuth');
  await makeLeaf(dir, 'stranger', 'other-ca', '/CN=certuser', 'extendedKeyUsage=clientAuth');
  return {
    dir,
    path: (name) => join(dir, name),
    pem: (name) => readFileSync(join(dir, name), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Copies `name.crt`/`name.key` to `server-name.crt`/`.key` owned by `postgres` (when running as
 * root) with the key at 0600, as PostgreSQL requires. Returns the two paths.
 */
export function serverKeyFor(pki: TestPki, name: string): { cert: string; key: string } {
  const cert = pki.path(`server-${name}.crt`);
  const key = pki.path(`server-${name}.key`);
  copyFileSync(pki.path(`${name}.crt`), cert);
  copyFileSync(pki.path(`${name}.key`), key);
  chmodSync(key, 0o600);
  if (userInfo().uid === 0) {
    const { uid, gid } = postgresIds();
    chownSync(cert, uid, gid);
    chownSync(key, uid, gid);
  }
  return { cert, key };
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user in /etc/passwd');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
