/**
 * Advisory lock keys. PostgreSQL advisory locks are per database, while a wahook store lives in
 * one schema (several may share a database: test runs, staging beside production), so each key is
 * a pair: a class constant naming what is locked, and a 32-bit key for the schema or the row.
 */
export const LOCK_CLASS = {
  /** Held while migrations are applied: one node at a time per schema. */
  migrate: 0x77616801,
  /** Held by a transaction from its first event insert to its commit (see processing.ts). */
  events: 0x77616802,
  /** Held per message id by the transaction that reads and rewrites its record. */
  message: 0x77616803,
  /** Held while the subscriptions file is synced: nodes starting together take turns. */
  subscriptions: 0x77616804,
  /** Held while the queue tables' statistics are refreshed: one node at a time per schema. */
  analyze: 0x77616805,
} as const;

/** A stable signed 32-bit key for a schema name (FNV-1a), the second half of a lock pair. */
export function schemaLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
