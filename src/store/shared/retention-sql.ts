/**
 * Retention SQL that reads the same on both stores: the oldest row each data class still holds,
 * counting only rows the janitor may remove (an event a delivery still points to is held).
 */
export const OLDEST_ROW_TIMES_SQL = `SELECT
  (SELECT MIN(processed_at) FROM inbox_state WHERE state <> 'pending') AS inbox,
  (SELECT created_at FROM events e WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
    ORDER BY created_at LIMIT 1) AS events,
  (SELECT MIN(updated_at) FROM messages) AS messages,
  (SELECT MIN(finished_at) FROM deliveries WHERE state <> 'pending') AS deliveries,
  (SELECT MIN(received_at) FROM rejected_requests) AS requests,
  (SELECT MIN(purged_at) FROM event_tombstones) AS dedupe`;
