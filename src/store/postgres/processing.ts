import type pg from 'pg';
import type { InboxFinish, NewEvent, ProcessingTx, StoredEvent, StoredMessage } from '../ports.js';
import type { MessageContext, SendSettlement } from '../send-ports.js';
import { type MessageRow, toStoredMessage, withSeq } from '../shared/event-rows.js';
import { FinishInboxRows } from '../shared/processing-tx-base.js';
import { messageContexts, settleSends } from '../shared/sends.js';
import type { SqlOps } from '../shared/sql-ops.js';
import { LOCK_CLASS } from './locks.js';
import { enqueueDeliveries } from './outbox.js';
import { tombstoned } from './retention.js';
import { insertRows, sqlOps } from './sql.js';

/**
 * ProcessingTx on one pooled connection inside BEGIN … COMMIT (READ COMMITTED). Several workers
 * run these at once, which raises two problems SQLite's single writer never has.
 *
 * Lost updates of a message record. A record is read, merged and written back; two workers holding
 * updates of the same wamid must take turns, or the second write drops the first one's status.
 * `SELECT … FOR UPDATE` only locks rows that exist, and the first updates of a new wamid often
 * arrive in separate requests at once, so getMessages also takes a transaction advisory lock per
 * wamid (keyed by a hash of schema and id, taken in hash order so two batches cannot deadlock).
 *
 * A gap-free event cursor. Readers page GET /v1/events with "seq > cursor". Sequence values are
 * handed out at insert time but become visible at commit, so if transaction A took seq 10 and B
 * took seq 11, B could commit first; a reader then sees 11, moves its cursor past 10, and never
 * sees A's event. To prevent it, insertEvents first takes one transaction advisory lock per schema
 * (`pg_advisory_xact_lock`) that is held until commit or rollback: event-inserting transactions
 * run their insert-to-commit stretch one at a time, so every seq a transaction takes is above every
 * seq of transactions already committed, and no transaction that could still commit holds a lower
 * one. PostgreSQL makes a commit visible before it releases the transaction's locks, so the next
 * holder's events can never be seen ahead of the previous holder's. Rolled-back transactions leave
 * holes in the numbers, which a cursor crosses harmlessly. The cost is that event inserts do not
 * overlap; the stretch they serialize (insert events, enqueue deliveries, commit) is the short tail
 * of a batch, after parsing and record merging, which still run in parallel. Lock order is always
 * message locks first, then the events lock, so the two never deadlock.
 */
export class PostgresProcessingTx extends FinishInboxRows implements ProcessingTx {
  private readonly sql: SqlOps;
  /** Whether this transaction inserted an event: once it commits, other nodes hear of it. */
  insertedEvents = false;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly schema: string,
    private readonly schemaKey: number,
  ) {
    super();
    this.sql = sqlOps(client);
  }

  async getMessages(ids: readonly string[]): Promise<Map<string, StoredMessage>> {
    const found = new Map<string, StoredMessage>();
    if (ids.length === 0) return found;
    const unique = [...new Set(ids)];
    await this.client.query(
      `SELECT pg_advisory_xact_lock($1, key) FROM (
         SELECT DISTINCT hashtext($2 || ':' || id) AS key FROM unnest($3::text[]) AS id ORDER BY key) AS keys`,
      [LOCK_CLASS.message, this.schema, unique],
    );
    const result = await this.client.query<MessageRow>(
      'SELECT * FROM messages WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
      [unique],
    );
    for (const row of result.rows) found.set(row.id, toStoredMessage(row));
    return found;
  }

  async putMessages(messages: readonly StoredMessage[]): Promise<void> {
    // One statement may not touch a row twice; the last write of an id wins, as it does on SQLite.
    const latest = [...new Map(messages.map((message) => [message.id, message])).values()];
    await insertRows(
      this.client,
      'INSERT INTO messages (id, direction, status, phone_number_id, record, first_seen_at, updated_at)',
      ['', '', '', '', '::json', '', ''],
      latest.map((m) => [
        m.id,
        m.direction,
        m.status,
        m.phoneNumberId,
        JSON.stringify(m.record),
        m.firstSeenAt,
        m.updatedAt,
      ]),
      `ON CONFLICT (id) DO UPDATE SET direction = excluded.direction, status = excluded.status,
         phone_number_id = excluded.phone_number_id, record = excluded.record, updated_at = excluded.updated_at`,
    );
  }

  async insertEvents(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    let events = batch;
    // An event purged inside the dedupe window stays a duplicate after its row is gone.
    const purged = await tombstoned(
      this.client,
      events.map((event) => event.id),
    );
    events = events.filter((event) => !purged.has(event.id));
    if (events.length === 0) return [];
    await this.client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS.events, this.schemaKey]);
    const rows = await insertRows<{ id: string; seq: number }>(
      this.client,
      'INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)',
      ['', '', '', '', '', '', '::json'],
      events.map((e) => [
        e.id,
        e.type,
        e.schemaVersion,
        e.createdAt,
        e.orderingKey,
        e.phoneNumberId,
        JSON.stringify(e.data),
      ]),
      'ON CONFLICT (id) DO NOTHING RETURNING id, seq',
    );
    const seqById = new Map(rows.map((row) => [row.id, row.seq]));
    const inserted: StoredEvent[] = [];
    for (const event of events) {
      const seq = seqById.get(event.id);
      if (seq === undefined) continue;
      // A batch may name an id twice; only its first occurrence was inserted.
      seqById.delete(event.id);
      inserted.push(withSeq(event, seq));
    }
    if (inserted.length > 0) this.insertedEvents = true;
    return inserted.sort((a, b) => a.seq - b.seq);
  }

  async enqueueDeliveries(events: readonly StoredEvent[], now: number): Promise<number> {
    return enqueueDeliveries(this.client, events, now, this.schemaKey);
  }

  /** One statement for the whole batch: a round trip per row was most of a worker's time. */
  async finishInboxRows(rows: readonly InboxFinish[], owner: string, now: number): Promise<Set<number>> {
    if (rows.length === 0) return new Set();
    const result = await this.client.query<{ id: number }>(
      `UPDATE inbox_state SET state = f.state, error = f.error, processed_at = $4, lease_owner = NULL,
         lease_until = NULL
       FROM unnest($1::bigint[], $2::text[], $3::text[]) AS f(id, state, error)
       WHERE inbox_state.id = f.id AND inbox_state.state = 'pending' AND inbox_state.lease_owner = $5
       RETURNING inbox_state.id`,
      [rows.map((row) => row.id), rows.map((row) => row.state), rows.map((row) => row.error), now, owner],
    );
    return new Set(result.rows.map((row) => Number(row.id)));
  }

  async messageContexts(wamids: readonly string[]): Promise<Map<string, MessageContext>> {
    return messageContexts(this.sql, wamids);
  }

  async settleSends(
    settlements: readonly SendSettlement[],
    now: number,
  ): Promise<Map<string, MessageContext>> {
    return settleSends(this.sql, settlements, now);
  }
}
