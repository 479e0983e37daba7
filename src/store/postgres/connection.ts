import pg from 'pg';
import { WahookError } from '../../errors.js';

/**
 * Connection settings every wahook PostgreSQL connection shares. The timeouts are what keep an
 * outage bounded: the receiver must answer 503 within seconds when the database is gone, never
 * hang, so connecting, waiting for a statement and waiting for its answer on a silent network each
 * have a limit. The pool drops a connection that failed, so the next query opens a fresh one and
 * the store recovers by itself when the database returns.
 */
export interface PostgresStoreOptions {
  /** Connections per pool (each node has one pool). */
  poolSize?: number;
  /** Longest wait for a new connection. */
  connectTimeoutMs?: number;
  /** Longest a statement may run on the server (lock waits included); the client waits a second more. */
  statementTimeoutMs?: number;
}

const DEFAULTS = { poolSize: 10, connectTimeoutMs: 3_000, statementTimeoutMs: 5_000 };

const INT8_OID = 20;
const JSON_OID = 114;
const JSONB_OID = 3802;

/**
 * BIGINT comes back as a number (every id and millisecond value fits in 2^53; a value that does
 * not is refused rather than rounded). JSON comes back as its text so the row mappers shared with
 * SQLite, which stores JSON as text, parse it the same way.
 */
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8_OID) return parseSafeInteger;
    if (oid === JSON_OID || oid === JSONB_OID) return (text: string) => text;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new Error(`BIGINT ${text} is beyond 2^53 and cannot be read exactly`);
  return value;
}

/** Settings for pool connections: every query has a deadline. */
export function poolConfig(url: string, options: PostgresStoreOptions = {}): pg.PoolConfig {
  const settings = { ...DEFAULTS, ...options };
  return {
    connectionString: url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    statement_timeout: settings.statementTimeoutMs,
    // The server-side limit cannot fire when the network is what failed; this one can.
    query_timeout: settings.statementTimeoutMs + 1_000,
    // A worker that died mid-transaction must not hold row locks for long.
    idle_in_transaction_session_timeout: Math.max(60_000, settings.statementTimeoutMs * 4),
    keepAlive: true,
    application_name: 'wahook',
    types: typeParsers,
  };
}

/**
 * Settings for a session outside the pool (migrations, LISTEN): it may wait on another node's
 * migration or sit idle for hours, so only connecting has a deadline.
 */
export function sessionConfig(url: string, options: PostgresStoreOptions = {}): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    keepAlive: true,
    application_name: 'wahook',
    types: typeParsers,
  };
}

/** `host:port/database` for messages: where we tried to connect, never the password. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const database = parsed.pathname.replace(/^\//, '') || '(default database)';
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}/${database}`;
  } catch {
    return 'the configured PostgreSQL URL (it does not parse as a URL)';
  }
}

/** Lends a session outside the pool (see sessionConfig) and closes it; unreachable databases are named. */
export async function withSession<T>(
  url: string,
  options: PostgresStoreOptions,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(sessionConfig(url, options));
  // A lost connection also fails the query in flight, which is what reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    throw unreachable(url, err);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function unreachable(url: string, err: unknown): WahookError {
  const reason = err instanceof Error ? err.message || err.name : String(err);
  return new WahookError(
    'store_unavailable',
    `cannot reach PostgreSQL at ${describeTarget(url)}: ${reason}`,
    {
      hint: 'Check that PostgreSQL is running and reachable from this host, and that WAHOOK_DATABASE_URL names the right host, port, database and user.',
      cause: err,
    },
  );
}
