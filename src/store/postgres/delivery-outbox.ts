import type pg from 'pg';
import type { StoredEvent } from '../ports.js';

/**
 * The outbox half of the processing transaction: a delivery row per new event × matching
 * subscription. Until the delivery tables exist in sql/postgres there is nothing to match.
 */
export async function enqueueDeliveriesPostgres(
  _client: pg.PoolClient,
  _events: readonly StoredEvent[],
  _now: number,
): Promise<number> {
  return 0;
}
