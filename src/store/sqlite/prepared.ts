import type Database from 'better-sqlite3';

const statementsByConnection = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * The statement for `sql` on this connection, prepared on first use and kept: preparing costs about
 * as much as running a short statement, and the hot ones (claims, attempt records) run hundreds of
 * times a second. Callers must not change a cached statement's mode (`pluck`, `raw`, `expand`).
 */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let statements = statementsByConnection.get(db);
  if (!statements) {
    statements = new Map();
    statementsByConnection.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
