import type Database from 'better-sqlite3';
import type { InboxFinish, NewEvent, ProcessingTx, StoredEvent, StoredMessage } from '../ports.js';
import type { MessageContext, SendSettlement } from '../send-ports.js';
import { type MessageRow, toStoredMessage, withSeq } from '../shared/event-rows.js';
import { FinishInboxRows } from '../shared/processing-tx-base.js';
import { messageContexts, settleSends } from '../shared/sends.js';
import type { SqlOps } from '../shared/sql-ops.js';
import { enqueueDeliveries } from './outbox.js';
import { prepared } from './prepared.js';
import { tombstoned } from './retention.js';
import { sqlOps } from './sql.js';

const SELECT_MESSAGE = 'SELECT * FROM messages WHERE id = ?';
const UPSERT_MESSAGE = `INSERT INTO messages (id, direction, status, phone_number_id, record, first_seen_at, updated_at)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET direction = excluded.direction, status = excluded.status,
    phone_number_id = excluded.phone_number_id, record = excluded.record, updated_at = excluded.updated_at`;
const INSERT_EVENT = `INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)
  VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`;
const FINISH_ROW = `UPDATE inbox_state SET state = ?, error = ?, processed_at = ?, lease_owner = NULL, lease_until = NULL
  WHERE id = ? AND state = 'pending' AND lease_owner = ?`;

/** ProcessingTx on one SQLite connection inside BEGIN IMMEDIATE … COMMIT (see SqliteStore). */
export class SqliteProcessingTx extends FinishInboxRows implements ProcessingTx {
  private readonly sql: SqlOps;

  constructor(private readonly db: Database.Database) {
    super();
    this.sql = sqlOps(db);
  }

  async getMessages(ids: readonly string[]): Promise<Map<string, StoredMessage>> {
    const found = new Map<string, StoredMessage>();
    for (const id of new Set(ids)) {
      const row = prepared(this.db, SELECT_MESSAGE).get(id) as MessageRow | undefined;
      if (row) found.set(id, toStoredMessage(row));
    }
    return found;
  }

  async putMessages(messages: readonly StoredMessage[]): Promise<void> {
    for (const message of messages) {
      prepared(this.db, UPSERT_MESSAGE).run(
        message.id,
        message.direction,
        message.status,
        message.phoneNumberId,
        JSON.stringify(message.record),
        message.firstSeenAt,
        message.updatedAt,
      );
    }
  }

  async insertEvents(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const inserted: StoredEvent[] = [];
    // An event purged inside the dedupe window stays a duplicate after its row is gone.
    const purged = tombstoned(
      this.db,
      events.map((event) => event.id),
    );
    for (const event of events) {
      if (purged.has(event.id)) continue;
      const result = prepared(this.db, INSERT_EVENT).run(
        event.id,
        event.type,
        event.schemaVersion,
        event.createdAt,
        event.orderingKey,
        event.phoneNumberId,
        JSON.stringify(event.data),
      );
      if (result.changes === 1) inserted.push(withSeq(event, Number(result.lastInsertRowid)));
    }
    return inserted;
  }

  async enqueueDeliveries(events: readonly StoredEvent[], now: number): Promise<number> {
    return enqueueDeliveries(this.db, events, now);
  }

  async finishInboxRows(rows: readonly InboxFinish[], owner: string, now: number): Promise<Set<number>> {
    const finished = new Set<number>();
    for (const row of rows) {
      if (prepared(this.db, FINISH_ROW).run(row.state, row.error, now, row.id, owner).changes === 1)
        finished.add(row.id);
    }
    return finished;
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
