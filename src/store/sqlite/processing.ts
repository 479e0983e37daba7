import type Database from 'better-sqlite3';
import type { NewEvent, ProcessingTx, StoredEvent, StoredMessage } from '../ports.js';
import { type MessageRow, toStoredMessage } from '../shared/event-rows.js';
import { enqueueDeliveriesSqlite } from './delivery-outbox.js';

/** ProcessingTx on one SQLite connection inside BEGIN IMMEDIATE … COMMIT (see SqliteStore). */
export class SqliteProcessingTx implements ProcessingTx {
  constructor(private readonly db: Database.Database) {}

  async getMessages(ids: readonly string[]): Promise<Map<string, StoredMessage>> {
    const select = this.db.prepare('SELECT * FROM messages WHERE id = ?');
    const found = new Map<string, StoredMessage>();
    for (const id of new Set(ids)) {
      const row = select.get(id) as MessageRow | undefined;
      if (row) found.set(id, toStoredMessage(row));
    }
    return found;
  }

  async putMessages(messages: readonly StoredMessage[]): Promise<void> {
    const upsert = this.db.prepare(
      `INSERT INTO messages (id, direction, status, phone_number_id, record, first_seen_at, updated_at)
       VALUES (@id, @direction, @status, @phoneNumberId, @record, @firstSeenAt, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET direction = excluded.direction, status = excluded.status,
         phone_number_id = excluded.phone_number_id, record = excluded.record, updated_at = excluded.updated_at`,
    );
    for (const message of messages) upsert.run({ ...message, record: JSON.stringify(message.record) });
  }

  async insertEvents(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const insert = this.db.prepare(
      `INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    const inserted: StoredEvent[] = [];
    for (const event of events) {
      const result = insert.run(
        event.id,
        event.type,
        event.schemaVersion,
        event.createdAt,
        event.orderingKey,
        event.phoneNumberId,
        JSON.stringify(event.data),
      );
      if (result.changes === 1) inserted.push({ ...event, seq: Number(result.lastInsertRowid) });
    }
    return inserted;
  }

  async enqueueDeliveries(events: readonly StoredEvent[], now: number): Promise<number> {
    return enqueueDeliveriesSqlite(this.db, events, now);
  }

  async markInboxProcessed(inboxId: number, owner: string, now: number): Promise<boolean> {
    return this.finish(inboxId, owner, 'processed', null, now);
  }

  async quarantineInbox(inboxId: number, owner: string, reason: string, now: number): Promise<boolean> {
    return this.finish(inboxId, owner, 'quarantined', reason, now);
  }

  private finish(inboxId: number, owner: string, state: string, error: string | null, now: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE inbox SET state = ?, error = ?, processed_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND state = 'pending' AND lease_owner = ?`,
      )
      .run(state, error, now, inboxId, owner);
    return result.changes === 1;
  }
}
