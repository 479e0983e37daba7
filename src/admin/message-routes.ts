import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { describeIssues } from '../lib/describe-issues.js';
import { completeRecord, type MessageDirection } from '../process/message-record.js';
import { fromStoredRecord } from '../process/stored-record.js';
import type { MessageReader, StoredMessage } from '../store/ports.js';
import type { MessageContext, SendStore } from '../store/send-ports.js';
import { isTimeCursor } from './cursors.js';

/** Message status lookup: one wamid, or a filtered list (newest update first). */
const listQuery = z.object({
  status: z.string().min(1).optional(),
  phone_number_id: z.string().min(1).optional(),
  since: z
    .string()
    .refine(
      (text) => !Number.isNaN(Date.parse(text)),
      'since must be an ISO-8601 time, e.g. 2026-01-01T00:00:00Z',
    )
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().max(1_024).optional(),
});

/** Longest message id a cursor may carry (wamids are far shorter). */
const MAX_CURSOR_ID = 512;

type MessageStore = MessageReader & Pick<SendStore, 'getMessageContext' | 'findWamidsByMetadata'>;

export async function messageRoutes(app: FastifyInstance, options: { store: MessageStore }): Promise<void> {
  app.get('/v1/messages/:wamid', async (request) => {
    const { wamid } = request.params as { wamid: string };
    const [message, context] = await Promise.all([
      options.store.getMessage(wamid),
      options.store.getMessageContext(wamid),
    ]);
    const json = messageWithContext(wamid, message, context);
    if (!json)
      throw new WahookError(
        'not_found',
        `no message ${wamid} has been seen (inbound, or a status of an outbound one)`,
      );
    return json;
  });

  app.get('/v1/messages', async (request) => {
    const filter = metadataFilter(request.query as Record<string, unknown>);
    if (filter !== undefined) {
      if (typeof filter === 'string') throw new WahookError('bad_request', filter);
      return listByMetadata(options.store, filter);
    }
    const parsed = listQuery.safeParse(request.query);
    if (!parsed.success) throw new WahookError('bad_request', describeIssues(parsed.error));
    const before = parsed.data.before ? decodeCursor(parsed.data.before) : undefined;
    if (parsed.data.before && !before)
      throw new WahookError('bad_request', 'before must be a cursor returned as "next"');
    const messages = await options.store.listMessages({
      limit: parsed.data.limit,
      ...(parsed.data.status ? { status: parsed.data.status } : {}),
      ...(parsed.data.phone_number_id ? { phoneNumberId: parsed.data.phone_number_id } : {}),
      ...(parsed.data.since ? { since: Date.parse(parsed.data.since) } : {}),
      ...(before ? { before } : {}),
    });
    const last = messages.at(-1);
    return {
      messages: messages.map(messageJson),
      next: last && messages.length === parsed.data.limit ? encodeCursor(last) : null,
    };
  });
}

/** `metadata.<key>=<value>` in the query: undefined when absent, a message when malformed. */
function metadataFilter(
  query: Record<string, unknown>,
): { key: string; value: string; limit: number; after: string } | string | undefined {
  const keys = Object.keys(query).filter((key) => key.startsWith('metadata.'));
  if (keys.length === 0) return undefined;
  if (keys.length > 1) return 'filter on one metadata key at a time, e.g. ?metadata.guest_id=g-17';
  const name = keys[0] as string;
  const key = name.slice('metadata.'.length);
  const value = query[name];
  if (key.length === 0 || key.length > 128 || typeof value !== 'string' || value.length > 256)
    return 'metadata.<key>=<value> takes one key (≤ 128 characters) and one value (≤ 256)';
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    return 'limit must be a whole number from 1 to 500';
  const before = typeof query.before === 'string' ? query.before : '';
  const after = before === '' ? '' : Buffer.from(before, 'base64url').toString('utf8').replace(/^m:/, '');
  if (after.length > MAX_CURSOR_ID) return 'before must be a cursor returned as "next"';
  return { key, value, limit, after };
}

async function listByMetadata(
  store: MessageStore,
  filter: { key: string; value: string; limit: number; after: string },
) {
  const wamids = await store.findWamidsByMetadata(filter.key, filter.value, filter.limit, filter.after);
  const found = await Promise.all(
    wamids.map(async (wamid) => {
      const [message, context] = await Promise.all([store.getMessage(wamid), store.getMessageContext(wamid)]);
      return messageWithContext(wamid, message, context);
    }),
  );
  const last = wamids.at(-1);
  return {
    messages: found.filter((json) => json !== undefined),
    next: last && wamids.length === filter.limit ? Buffer.from(`m:${last}`).toString('base64url') : null,
  };
}

/**
 * The message JSON with what wahook knows beyond its statuses: the business metadata and the send
 * behind it. A message sent through wahook whose first status has not arrived yet is shown from
 * its send (status `accepted`, empty history).
 */
export function messageWithContext(
  wamid: string,
  message: StoredMessage | undefined,
  context: MessageContext | undefined,
) {
  const send = context?.send ?? null;
  if (!message && !send) return undefined;
  const base = message
    ? messageJson(message)
    : {
        ...completeRecord({
          id: wamid,
          direction: 'outbound',
          status: 'accepted',
          phoneNumberId: send?.phoneNumberId ?? null,
          history: [],
        }),
        first_seen_at: new Date(send?.createdAt ?? 0).toISOString(),
        updated_at: new Date(send?.updatedAt ?? 0).toISOString(),
      };
  return {
    ...base,
    metadata: context?.metadata ?? null,
    send: send
      ? {
          id: send.id,
          input: send.input,
          to: send.recipient,
          wa_id: send.waId,
          user_id: send.userId,
          idempotency_key: send.idempotencyKey,
          created_at: new Date(send.createdAt).toISOString(),
        }
      : null,
  };
}

/**
 * A message as the API shows it. A stored record this version cannot read (another format, a hand
 * edit) is shown with the columns stored beside it and `record_error` saying why, so one such row
 * neither hides the others in a list nor hides what is known of it. Its derived fields are those of
 * an empty history, so the answer keeps every field the contract promises.
 */
export function messageJson(message: StoredMessage) {
  const arrival = {
    first_seen_at: new Date(message.firstSeenAt).toISOString(),
    updated_at: new Date(message.updatedAt).toISOString(),
  };
  try {
    return { ...fromStoredRecord(message.id, message.record), ...arrival };
  } catch (err) {
    const columns = {
      id: message.id,
      direction: message.direction as MessageDirection,
      status: message.status,
      phoneNumberId: message.phoneNumberId,
      history: [],
    };
    return { ...completeRecord(columns), record_error: (err as Error).message, ...arrival };
  }
}

export function encodeCursor(message: StoredMessage): string {
  return Buffer.from(JSON.stringify([message.updatedAt, message.id])).toString('base64url');
}

export function decodeCursor(text: string): { updatedAt: number; id: string } | undefined {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    return isTimeCursor(updatedAt) && typeof id === 'string' && id.length <= MAX_CURSOR_ID
      ? { updatedAt, id }
      : undefined;
  } catch {
    return undefined;
  }
}
