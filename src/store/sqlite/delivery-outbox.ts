import type Database from 'better-sqlite3';
import type { StoredEvent } from '../ports.js';

/**
 * The outbox half of the processing transaction: a delivery row per new event × matching
 * subscription. Until subscriptions exist in the schema there is nothing to match.
 */
export function enqueueDeliveriesSqlite(
  _db: Database.Database,
  _events: readonly StoredEvent[],
  _now: number,
): number {
  return 0;
}
