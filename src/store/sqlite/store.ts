import type Database from 'better-sqlite3';
import type {
  ClaimOptions,
  InboxAppend,
  InboxRow,
  InboxStats,
  RejectedRequest,
  RejectedRequestRow,
  Store,
} from '../ports.js';
import { type InboxRecord, type RejectedRecord, toInboxRow, toRejectedRow } from '../shared/rows.js';
import { openSqlite } from './connection.js';
import { SqliteInboxWriter } from './inbox-writer.js';
import { migrateSqlite } from './migrate.js';

/**
 * The embedded store. Inbox appends go through the writer thread (group-committed by the caller);
 * everything else uses this thread's connection, which WAL lets read beside the writer.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly writer: SqliteInboxWriter;
  private closed = false;

  constructor(readonly path: string) {
    this.db = openSqlite(path);
    this.writer = new SqliteInboxWriter(path);
  }

  async migrate(): Promise<void> {
    migrateSqlite(this.db);
  }

  appendInboxBatch(rows: readonly InboxAppend[]): Promise<number[]> {
    return this.writer.append(rows);
  }

  async getInboxRow(id: number): Promise<InboxRow | undefined> {
    const record = this.db.prepare('SELECT * FROM inbox WHERE id = ?').get(id) as InboxRecord | undefined;
    return record ? toInboxRow(record) : undefined;
  }

  async inboxStats(): Promise<InboxStats> {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS total,
           COALESCE(SUM(state = 'pending'), 0) AS pending,
           COALESCE(SUM(state = 'quarantined'), 0) AS quarantined,
           COALESCE(SUM(state = 'processed'), 0) AS processed,
           (SELECT MIN(received_at) FROM inbox WHERE state = 'pending') AS oldest
         FROM inbox`,
      )
      .get() as {
      total: number;
      pending: number;
      quarantined: number;
      processed: number;
      oldest: number | null;
    };
    return {
      total: row.total,
      pending: row.pending,
      quarantined: row.quarantined,
      processed: row.processed,
      oldestPendingAt: row.oldest,
    };
  }

  async claimInbox(options: ClaimOptions): Promise<InboxRow[]> {
    const records = this.db
      .prepare(
        `UPDATE inbox SET lease_owner = @owner, lease_until = @until, attempts = attempts + 1
         WHERE id IN (SELECT id FROM inbox WHERE state = 'pending'
                        AND (lease_until IS NULL OR lease_until < @now) ORDER BY id LIMIT @limit)
         RETURNING *`,
      )
      .all({
        owner: options.owner,
        until: options.now + options.leaseMs,
        now: options.now,
        limit: options.limit,
      });
    return (records as InboxRecord[]).map(toInboxRow).sort((a, b) => a.id - b.id);
  }

  async requeueQuarantined(ids?: readonly number[]): Promise<number> {
    const sql = `UPDATE inbox SET state = 'pending', lease_owner = NULL, lease_until = NULL
      WHERE state = 'quarantined'`;
    if (!ids) return this.db.prepare(sql).run().changes;
    const update = this.db.prepare(`${sql} AND id = ?`);
    return this.db.transaction(() => ids.reduce((n, id) => n + update.run(id).changes, 0))();
  }

  async recordRejected(requests: readonly RejectedRequest[], maxRows: number): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO rejected_requests (received_at, method, path, status, reason, hints, headers,
         body_prefix, body_bytes, remote_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      let lastId = 0;
      for (const request of requests) {
        lastId = Number(
          insert.run(
            request.receivedAt,
            request.method,
            request.path,
            request.status,
            request.reason,
            JSON.stringify(request.hints),
            JSON.stringify(request.headers),
            request.bodyPrefix,
            request.bodyBytes,
            request.remoteAddress,
          ).lastInsertRowid,
        );
      }
      // Trimming by id keeps the cost constant however long the table has been filling.
      this.db.prepare('DELETE FROM rejected_requests WHERE id <= ?').run(lastId - maxRows);
    })();
  }

  async listRejected(options: { limit: number; beforeId?: number }): Promise<RejectedRequestRow[]> {
    const records = this.db
      .prepare('SELECT * FROM rejected_requests WHERE id < ? ORDER BY id DESC LIMIT ?')
      .all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit) as RejectedRecord[];
    return records.map(toRejectedRow);
  }

  async checkWritable(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
    // A write that changes nothing still needs the write lock and a writable file.
    await this.writer.probe();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writer.close();
    this.db.close();
  }
}

export async function createSqliteStore(path: string): Promise<SqliteStore> {
  const store = new SqliteStore(path);
  await store.migrate();
  return store;
}
