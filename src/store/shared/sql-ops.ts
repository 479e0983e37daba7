/**
 * The seam between SQL written once in shared/ and the two stores that run it.
 *
 * Shared SQL is written with PostgreSQL's numbered placeholders (`$1`, `$2`, a number used twice
 * binds one value). SQLite reads `$1` as a parameter named "1", and its adapter binds the values
 * by that name, so the text of a statement is the same on both stores. What the two dialects spell
 * differently goes through `Dialect`; how a statement runs (better-sqlite3 is synchronous, pg is
 * not) goes through `SqlOps`, which answers a promise on both so that one algorithm serves both.
 */
export type ListType = 'text' | 'bigint';

export interface Dialect {
  /** `column` is one of the values in list parameter `p` (bound with `list`). */
  inList(column: string, p: string, type: ListType): string;
  /** A table of the values in list parameter `p`, one row each, in column `alias.value`. */
  listRows(p: string, type: ListType, alias: string): string;
  /** A table of the elements of JSON array parameter `p`, one row each, in column `alias.value`. */
  jsonRows(p: string, alias: string): string;
  /** How a list parameter is bound. */
  list(values: readonly (string | number)[]): unknown;
  /** `column` compared and ordered byte by byte (SQLite's BINARY collation), whatever the database's locale. */
  bytewise(column: string): string;
  /** The clause that locks the rows a SELECT reads until the transaction ends ('' where the transaction already holds the write lock). */
  forUpdate: string;
  /** Whether text `column` contains text parameter `p`, ignoring case. */
  containsCi(column: string, p: string): string;
  /** Whether text `column` contains text parameter `p`, byte for byte (false for null). */
  contains(column: string, p: string): string;
  /** Text `column` with every one of the characters in `chars` taken out. */
  withoutChars(column: string, chars: string): string;
}

/** `text` as an SQL string literal. */
export function sqlText(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export interface SqlResult<R> {
  /** The rows of a SELECT, or of a write's RETURNING clause. */
  rows: R[];
  /** Rows written (for a statement with RETURNING: the rows it returned). */
  changes: number;
}

/** One store's way to run a statement, on one connection (or a pool) it was made for. */
export interface SqlOps {
  readonly dialect: Dialect;
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
}

/** SqlOps that can also start a transaction: one that takes the write lock before it reads. */
export interface SqlTxOps extends SqlOps {
  transaction<T>(work: (tx: SqlOps) => Promise<T>): Promise<T>;
}
