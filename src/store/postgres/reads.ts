import type pg from 'pg';
import type { MessageQuery, StoredEvent, StoredMessage } from '../ports.js';
import {
  COUNTERPART_EXPRESSIONS,
  type EventRecord,
  type MessageRow,
  toStoredEvent,
  toStoredMessage,
} from '../shared/event-rows.js';
import type { Queryable } from './sql.js';

/** Event log and message record reads; they need no locks (see processing.ts for why seq is safe). */
export async function listEvents(
  db: Queryable,
  options: { afterSeq: number; limit: number; types?: readonly string[] },
): Promise<StoredEvent[]> {
  const types = options.types && options.types.length > 0 ? [...options.types] : undefined;
  const result = types
    ? await db.query<EventRecord & pg.QueryResultRow>(
        'SELECT * FROM events WHERE seq > $1 AND type = ANY($3::text[]) ORDER BY seq LIMIT $2',
        [options.afterSeq, options.limit, types],
      )
    : await db.query<EventRecord & pg.QueryResultRow>(
        'SELECT * FROM events WHERE seq > $1 ORDER BY seq LIMIT $2',
        [options.afterSeq, options.limit],
      );
  return result.rows.map(toStoredEvent);
}

export async function getEvent(db: Queryable, id: string): Promise<StoredEvent | undefined> {
  const result = await db.query<EventRecord & pg.QueryResultRow>('SELECT * FROM events WHERE id = $1', [id]);
  const record = result.rows[0];
  return record ? toStoredEvent(record) : undefined;
}

export async function listEventsByKey(
  db: Queryable,
  orderingKey: string,
  limit: number,
): Promise<StoredEvent[]> {
  const result = await db.query<EventRecord & pg.QueryResultRow>(
    'SELECT * FROM events WHERE ordering_key = $1 ORDER BY seq LIMIT $2',
    [orderingKey, limit],
  );
  return result.rows.map(toStoredEvent);
}

export async function lastEventSeq(db: Queryable): Promise<number> {
  const result = await db.query<{ seq: string | null } & pg.QueryResultRow>(
    'SELECT MAX(seq) AS seq FROM events',
  );
  return Number(result.rows[0]?.seq ?? 0);
}

export async function getMessage(db: Queryable, id: string): Promise<StoredMessage | undefined> {
  const result = await db.query<MessageRow & pg.QueryResultRow>('SELECT * FROM messages WHERE id = $1', [id]);
  const row = result.rows[0];
  return row ? toStoredMessage(row) : undefined;
}

export async function listMessages(db: Queryable, query: MessageQuery): Promise<StoredMessage[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.status) where.push(`status = ${bind(query.status)}`);
  if (query.phoneNumberId) where.push(`phone_number_id = ${bind(query.phoneNumberId)}`);
  if (query.since !== undefined) where.push(`updated_at >= ${bind(query.since)}`);
  if (query.counterpart !== undefined) {
    const { waId, userId } = COUNTERPART_EXPRESSIONS.postgres;
    const value = bind(query.counterpart);
    where.push(`(${waId} = ${value} OR ${userId} = ${value})`);
  }
  if (query.before) {
    where.push(`(updated_at, id) < (${bind(query.before.updatedAt)}, ${bind(query.before.id)})`);
  }
  const sql = `SELECT * FROM messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY updated_at DESC, id DESC LIMIT ${bind(query.limit)}`;
  const result = await db.query<MessageRow & pg.QueryResultRow>(sql, params);
  return result.rows.map(toStoredMessage);
}
