import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { describeIssues } from '../lib/describe-issues.js';
import { completeRecord, type MessageDirection } from '../process/message-record.js';
import { fromStoredRecord } from '../process/stored-record.js';
import type { MessageReader, StoredMessage } from '../store/ports.js';
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

export async function messageRoutes(app: FastifyInstance, options: { store: MessageReader }): Promise<void> {
  app.get('/v1/messages/:wamid', async (request) => {
    const { wamid } = request.params as { wamid: string };
    const message = await options.store.getMessage(wamid);
    if (!message)
      throw new WahookError(
        'not_found',
        `no message ${wamid} has been seen (inbound, or a status of an outbound one)`,
      );
    return messageJson(message);
  });

  app.get('/v1/messages', async (request) => {
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
