import type Database from 'better-sqlite3';
import { type Dialect, type SqlOps, type SqlTxOps, sqlText } from '../shared/sql-ops.js';
import { prepared } from './prepared.js';

/** SQLite's spelling of what shared SQL leaves to the dialect (see shared/sql-ops.ts). */
export const SQLITE: Dialect = {
  inList: (column, p) => `${column} IN (SELECT value FROM json_each(${p}))`,
  listRows: (p, _type, alias) => `json_each(${p}) AS ${alias}`,
  jsonRows: (p, alias) => `json_each(${p}) AS ${alias}`,
  list: (values) => JSON.stringify(values),
  bytewise: (column) => column,
  // BEGIN IMMEDIATE has taken the database's write lock before the first read.
  forUpdate: '',
  // instr on lower() rather than LIKE: the searched text may contain % or _.
  containsCi: (column, p) => `instr(lower(${column}), lower(${p})) > 0`,
  contains: (column, p) => `coalesce(instr(${column}, ${p}), 0) > 0`,
  withoutChars: (column, chars) =>
    [...chars].reduce((text, char) => `replace(${text}, ${sqlText(char)}, '')`, column),
};

/**
 * Runs shared SQL on one connection. `$1`, `$2` are SQLite parameters named "1", "2", bound from
 * the values by position. The caller holds the store's lock, so nothing else runs statements on
 * this connection between the steps of an algorithm, although each step answers a promise.
 */
export function sqlOps(db: Database.Database): SqlOps {
  return sqlTxOps(db);
}

/** sqlOps that also runs a transaction (BEGIN IMMEDIATE, see withImmediateTx). */
export function sqlTxOps(db: Database.Database): SqlTxOps {
  const ops: SqlTxOps = {
    dialect: SQLITE,
    async query<R>(sql: string, params: readonly unknown[] = []) {
      const statement = prepared(db, sql);
      const named = Object.fromEntries(params.map((value, index) => [index + 1, value]));
      if (statement.reader) {
        const rows = statement.all(named) as R[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: statement.run(named).changes };
    },
    transaction: (work) => withImmediateTx(db, () => work(ops)),
  };
  return ops;
}

/**
 * Runs `work` inside BEGIN IMMEDIATE … COMMIT, rolled back if it throws. IMMEDIATE because the
 * work reads before it writes: a deferred transaction would fail with SQLITE_BUSY, not wait, when
 * the inbox writer holds the lock at the moment it upgrades. The caller holds the store's lock.
 */
export async function withImmediateTx<T>(db: Database.Database, work: () => Promise<T>): Promise<T> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = await work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw err;
  }
}
