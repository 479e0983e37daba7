import type Database from 'better-sqlite3';
import type { InboxFinish, NewEvent, ProcessingTx, StoredEvent, StoredMessage } from '../ports.js';
import { type MessageRow, toStoredMessage } from '../shared/event-rows.js';
import { FinishInboxRows } from '../shared/processing-tx-base.js';
import { enqueueDeliveriesSqlite } from './delivery-outbox.js';

/**
 * The statements of a processing transaction, prepared once per connection: preparing them again
 * for every batch (and `finish` for every row) cost about as much as running them.
 */
interface ProcessingStatements {
  selectMessage: Database.Statement;
  upsertMessage: Database.Statement;
  insertEvent: Database.Statement;
  finishRow: Database.Statement;
}

const statementsByConnection = new WeakMap<Database.Database, ProcessingStatements>();

function statementsFor(db: Database.Database): ProcessingStatements {
  let statements = statementsByConnection.get(db);
  if (!statements) {
    statements = {
      selectMessage: db.prepare('SELECT * FROM messages WHERE id = ?'),
      upsertMessage: db.prepare(
        `INSERT INTO messages (id, direction, status, phone_number_id, record, first_seen_at, updated_at)
         VALUES (@id, @direction, @status, @phoneNumberId, @record, @firstSeenAt, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET direction = excluded.direction, status = excluded.status,
           phone_number_id = excluded.phone_number_id, record = excluded.record, updated_at = excluded.updated_at`,
      ),
      insertEvent: db.prepare(
        `INSERT INTO events (id, type, schema_version, created_at, ordering_key, phone_number_id, data)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      finishRow: db.prepare(
        `UPDATE inbox_state SET state = ?, error = ?, processed_at = ?, lease_owner = NULL, lease_until = NULL
         WHERE id = ? AND state = 'pending' AND lease_owner = ?`,
      ),
    };
    statementsByConnection.set(db, statements);
  }
  return statements;
}

/** ProcessingTx on one SQLite connection inside BEGIN IMMEDIATE … COMMIT (see SqliteStore). */
export class SqliteProcessingTx extends FinishInboxRows implements ProcessingTx {
  private readonly statements: ProcessingStatements;

  constructor(private readonly db: Database.Database) {
    super();
    this.statements = statementsFor(db);
  }

  async getMessages(ids: readonly string[]): Promise<Map<string, StoredMessage>> {
    const found = new Map<string, StoredMessage>();
    for (const id of new Set(ids)) {
      const row = this.statements.selectMessage.get(id) as MessageRow | undefined;
      if (row) found.set(id, toStoredMessage(row));
    }
    return found;
  }

  async putMessages(messages: readonly StoredMessage[]): Promise<void> {
    for (const message of messages) {
      this.statements.upsertMessage.run({ ...message, record: JSON.stringify(message.record) });
    }
  }

  async insertEvents(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    const inserted: StoredEvent[] = [];
    for (const event of events) {
      const result = this.statements.insertEvent.run(
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

  async finishInboxRows(rows: readonly InboxFinish[], owner: string, now: number): Promise<Set<number>> {
    const finished = new Set<number>();
    for (const row of rows) {
      if (this.statements.finishRow.run(row.state, row.error, now, row.id, owner).changes === 1)
        finished.add(row.id);
    }
    return finished;
  }
}
