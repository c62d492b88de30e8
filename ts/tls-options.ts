/**
 * TLS options: libpq's `sslmode` family (defined in the core, see `ts/options.ts`) and
 * node-postgres's `ssl`, whose Buffers become PEM text here (the native side reads the files
 * and checks types and meaning).
 */
import { ConfigError } from './errors';
import type { NativePoolOptions, NativeSsl } from './native';

/** libpq's `sslmode`; see the README's "Connecting in production" for what each one checks. */
export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/** PEM text, as a string or a Buffer. */
export type Pem = string | Buffer;

/** node-postgres's `ssl` object (the subset of `tls.connect` options WedPool implements). */
export interface SslOptions {
  /** Trusted CA certificate(s), PEM (default: the system's trusted roots). */
  ca?: Pem | Pem[];
  /** Client certificate (chain), PEM, for `cert` authentication. */
  cert?: Pem;
  /** The client certificate's key, PEM, unencrypted. */
  key?: Pem;
  /** `false` accepts any server certificate: encrypted, not authenticated (default true). */
  rejectUnauthorized?: boolean;
  /** Name sent as SNI and matched against the certificate instead of the host. */
  servername?: string;
}

/**
 * The TLS part of the pool options: the libpq file options as the binding defines them, with
 * the string options narrowed to what they accept and node-postgres's `ssl` as pg takes it.
 */
export interface TlsPoolOptions extends Pick<NativePoolOptions, 'sslrootcert' | 'sslcert' | 'sslkey'> {
  /** libpq's `sslmode` (default `prefer`); overrides the connection string's. */
  sslmode?: SslMode;
  /** SCRAM channel binding: `'require'` insists on SCRAM-SHA-256-PLUS over TLS (default `prefer`). */
  channelBinding?: 'disable' | 'prefer' | 'require';
  /**
   * node-postgres style: `true` = verify-full against the system's roots; an object as pg
   * takes it; `false` = no TLS. Exclusive with `sslmode`/`sslrootcert`/`sslcert`/`sslkey`.
   */
  ssl?: boolean | SslOptions;
}

const SSL_KEYS = new Set(['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']);

function pem(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new ConfigError(field, 'must be PEM text (a string or a Buffer)');
}

/**
 * node-postgres's `ssl` for the native pool: Buffers become PEM text, `true`/`false` an
 * object; keys WedPool does not implement are refused. Types and meaning are checked natively.
 * Throws {@link ConfigError}.
 */
export function toNativeSsl(ssl: unknown): NativeSsl | undefined {
  if (ssl === undefined || ssl === null) return undefined;
  if (typeof ssl === 'boolean') return { enabled: ssl };
  if (typeof ssl !== 'object' || Array.isArray(ssl)) {
    throw new ConfigError('ssl', 'must be true, false or an object { ca, cert, key, rejectUnauthorized, servername }');
  }
  const unknown = Object.keys(ssl).filter((k) => !SSL_KEYS.has(k) && (ssl as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    throw new ConfigError(`ssl.${unknown[0]}`, 'is not supported by WedPool (supported: ca, cert, key, rejectUnauthorized, servername)');
  }
  const o = ssl as SslOptions;
  const ca = o.ca === undefined ? undefined : (Array.isArray(o.ca) ? o.ca : [o.ca]).map((c, i) => pem(`ssl.ca[${i}]`, c)!);
  return {
    enabled: true,
    ca,
    cert: pem('ssl.cert', o.cert),
    key: pem('ssl.key', o.key),
    rejectUnauthorized: o.rejectUnauthorized,
    servername: o.servername,
  };
}
