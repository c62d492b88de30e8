/**
 * TLS options: libpq's `sslmode` family and node-postgres's `ssl`, type-checked here and
 * flattened for the native side (which reads the files and checks meaning).
 */
import { ConfigError } from './errors';
import type { NativePoolOptions } from './native';

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

/** The TLS part of the pool options. */
export interface TlsPoolOptions {
  /** libpq's `sslmode` (default `prefer`); overrides the connection string's. */
  sslmode?: SslMode;
  /** CA file path, or `'system'` for the system's trusted roots (then the default mode is `verify-full`). */
  sslrootcert?: string;
  /** Client certificate file path (PEM). */
  sslcert?: string;
  /** Client key file path (PEM, unencrypted). */
  sslkey?: string;
  /** SCRAM channel binding: `'require'` insists on SCRAM-SHA-256-PLUS over TLS (default `prefer`). */
  channelBinding?: 'disable' | 'prefer' | 'require';
  /**
   * node-postgres style: `true` = verify-full against the system's roots; an object as pg
   * takes it; `false` = no TLS. Exclusive with `sslmode`/`sslrootcert`/`sslcert`/`sslkey`.
   */
  ssl?: boolean | SslOptions;
}

type NativeTls = Pick<NativePoolOptions, 'sslmode' | 'sslrootcert' | 'sslcert' | 'sslkey' | 'channelBinding' | 'ssl'>;

const SSL_KEYS = new Set(['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']);

function pem(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new ConfigError(field, 'must be PEM text (a string or a Buffer)');
}

function str(field: string, value: unknown): string | undefined {
  if (value !== undefined && typeof value !== 'string') {
    throw new ConfigError(field, `must be a string, got ${value === null ? 'null' : typeof value}`);
  }
  return value as string | undefined;
}

/** Type-checks the TLS options and flattens them for the native pool. Throws {@link ConfigError}. */
export function toNativeTls(o: TlsPoolOptions): NativeTls {
  const out: NativeTls = {
    sslmode: str('sslmode', o.sslmode),
    sslrootcert: str('sslrootcert', o.sslrootcert),
    sslcert: str('sslcert', o.sslcert),
    sslkey: str('sslkey', o.sslkey),
    channelBinding: str('channelBinding', o.channelBinding),
  };
  const ssl = o.ssl;
  if (ssl === undefined) return out;
  if (typeof ssl === 'boolean') return { ...out, ssl: { enabled: ssl } };
  if (typeof ssl !== 'object' || ssl === null || Array.isArray(ssl)) {
    throw new ConfigError('ssl', 'must be true, false or an object { ca, cert, key, rejectUnauthorized, servername }');
  }
  const unknown = Object.keys(ssl).filter((k) => !SSL_KEYS.has(k) && (ssl as Record<string, unknown>)[k] !== undefined);
  if (unknown.length > 0) {
    throw new ConfigError(`ssl.${unknown[0]}`, 'is not supported by WedPool (supported: ca, cert, key, rejectUnauthorized, servername)');
  }
  if (ssl.rejectUnauthorized !== undefined && typeof ssl.rejectUnauthorized !== 'boolean') {
    throw new ConfigError('ssl.rejectUnauthorized', 'must be a boolean');
  }
  const ca = ssl.ca === undefined ? undefined : (Array.isArray(ssl.ca) ? ssl.ca : [ssl.ca]).map((c, i) => pem(`ssl.ca[${i}]`, c)!);
  return {
    ...out,
    ssl: {
      enabled: true,
      ca,
      cert: pem('ssl.cert', ssl.cert),
      key: pem('ssl.key', ssl.key),
      rejectUnauthorized: ssl.rejectUnauthorized,
      servername: str('ssl.servername', ssl.servername),
    },
  };
}
