import type pg from 'pg';
import { type Dialect, type SqlOps, type SqlTxOps, sqlText } from '../shared/sql-ops.js';

/** A pool or one checked-out connection: both run a query the same way. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** The protocol caps one statement at 65,535 parameters. */
const MAX_PARAMS = 65_535;

/** Whether `rows` rows of `columns` values fit one statement (so one auto-committed INSERT suffices). */
export function fitsOneStatement(rows: number, columns: number): boolean {
  return rows * columns <= MAX_PARAMS;
}

/**
 * A multi-row INSERT: `head VALUES ($1, $2::jsonb, …), (…) tail`. `casts` has one entry per column
 * (`''` for none). PostgreSQL inserts VALUES rows in list order and RETURNING reports them in that
 * order, so identity values and returned rows follow the input. Row sets larger than one statement
 * allows go out as consecutive statements, which the caller must run inside a transaction.
 */
export async function insertRows<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  head: string,
  casts: readonly string[],
  rows: readonly (readonly unknown[])[],
  tail = '',
): Promise<R[]> {
  const perStatement = Math.floor(MAX_PARAMS / casts.length);
  const returned: R[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => {
      const placeholders = row.map((value, column) => {
        params.push(value);
        return `$${params.length}${casts[column] ?? ''}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    const result = await db.query<R>(`${head} VALUES ${tuples.join(', ')} ${tail}`, params);
    returned.push(...result.rows);
  }
  return returned;
}

/** Runs `work` in a transaction on one pooled connection; a connection that failed is discarded. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    const rollback = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => rollbackError,
    );
    // After a failed ROLLBACK the session's state is unknown: destroy it rather than reuse it.
    client.release(rollback instanceof Error ? rollback : undefined);
    throw err;
  }
}

/** PostgreSQL's spelling of what shared SQL leaves to the dialect (see shared/sql-ops.ts). */
export const POSTGRES: Dialect = {
  inList: (column, p, type) => `${column} = ANY(${p}::${type}[])`,
  listRows: (p, type, alias) => `unnest(${p}::${type}[]) AS ${alias}(value)`,
  jsonRows: (p, alias) => `json_array_elements(${p}::json) AS ${alias}(value)`,
  list: (values) => values,
  // The database's collation may order by locale; SQLite and the API's cursors order by bytes.
  bytewise: (column) => `${column} COLLATE "C"`,
  forUpdate: 'FOR UPDATE',
  // strpos on lower() rather than LIKE: the searched text may contain % or _.
  containsCi: (column, p) => `strpos(lower(${column}), lower(${p})) > 0`,
  contains: (column, p) => `coalesce(strpos(${column}, ${p}), 0) > 0`,
  // translate drops each character of `from` that has no counterpart in `to`.
  withoutChars: (column, chars) => `translate(${column}, ${sqlText(chars)}, '')`,
};

/** Runs shared SQL on a pool (each statement on its own) or on one connection inside a transaction. */
export function sqlOps(db: Queryable): SqlOps {
  return {
    dialect: POSTGRES,
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const result = await db.query(sql, [...params]);
      return { rows: result.rows as R[], changes: result.rowCount ?? 0 };
    },
  };
}

/** sqlOps on a pool that also runs a transaction on one of its connections (see withTransaction). */
export function sqlTxOps(pool: pg.Pool): SqlTxOps {
  return {
    ...sqlOps(pool),
    transaction: (work) => withTransaction(pool, (client) => work(sqlOps(client))),
  };
}
