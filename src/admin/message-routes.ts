import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { MessageReader, StoredMessage } from '../store/ports.js';
import type { SendStore } from '../store/send-ports.js';
import { isTimeCursor } from './cursors.js';
import { messageJson, messageWithContext } from './message-json.js';
import { successBody } from './route-schemas.js';
import { decodeStuckCursor, listStuckMessages, stuckListJson } from './stuck-messages.js';

/**
 * Message status lookup: one wamid, or a filtered list (newest update first), or with
 * `stuck=true` the messages the stuck scan judges stuck now (newest judgement first). The list's
 * query is a loose object because `metadata.<key>=<value>` names its key in the parameter's name,
 * which a schema cannot list; `metadataFilter` checks that part by hand.
 */
const listQuery = z.looseObject({
  stuck: z.enum(['true', 'false'], { message: 'stuck must be true or false' }).optional(),
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
  before: z.string().max(1_024).optional().meta({ description: 'a cursor returned as `next`' }),
});

const schemas = {
  message: {
    summary: 'One message and its status history',
    tags: ['messages'],
    params: z.object({ wamid: z.string().meta({ description: 'the WhatsApp message id' }) }),
    response: { 200: successBody('the message JSON (docs/api.md)') },
  },
  list: {
    summary: 'Messages, newest update first; the stuck ones; or those whose send carried some metadata',
    description:
      'With a `metadata.<key>=<value>` parameter (one key, up to 128 characters; a value up to 256) the list holds the messages whose send carried that metadata, and only `limit` and `before` apply besides. With `stuck=true` it holds the messages the stuck scan judges stuck now, and `status` and `since` do not apply.',
    tags: ['messages'],
    querystring: listQuery,
    response: { 200: successBody('`{"messages": […], "next": "<cursor>" | null}`') },
  },
};

/** Longest message id a cursor may carry (wamids are far shorter). */
const MAX_CURSOR_ID = 512;

type MessageStore = MessageReader &
  Pick<SendStore, 'getMessageContext' | 'findWamidsByMetadata' | 'listStuckSends'>;

export async function messageRoutes(plain: FastifyInstance, options: { store: MessageStore }): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/messages/:wamid', { schema: schemas.message }, async (request) => {
    const { wamid } = request.params;
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

  app.get('/v1/messages', { schema: schemas.list }, async (request) => {
    const filter = metadataFilter(request.query);
    if (filter !== undefined) {
      if (typeof filter === 'string') throw new WahookError('bad_request', filter);
      return listByMetadata(options.store, filter);
    }
    const given = request.query;
    if (given.stuck === 'true') return listStuck(options.store, given);
    const before = given.before ? decodeCursor(given.before) : undefined;
    if (given.before && !before)
      throw new WahookError('bad_request', 'before must be a cursor returned as "next"');
    const messages = await options.store.listMessages({
      limit: given.limit,
      ...(given.status ? { status: given.status } : {}),
      ...(given.phone_number_id ? { phoneNumberId: given.phone_number_id } : {}),
      ...(given.since ? { since: Date.parse(given.since) } : {}),
      ...(before ? { before } : {}),
    });
    const last = messages.at(-1);
    return {
      messages: messages.map(messageJson),
      next: last && messages.length === given.limit ? encodeCursor(last) : null,
    };
  });
}

/**
 * The stuck list. It is ordered by judgement, not by update, so the filters on updates (status,
 * since) do not apply; a request with them is refused rather than answered with them ignored.
 */
async function listStuck(store: MessageStore, query: z.output<typeof listQuery>) {
  if (query.status !== undefined || query.since !== undefined)
    throw new WahookError(
      'bad_request',
      'stuck=true takes phone_number_id, limit and before; status and since do not apply to it',
    );
  const before = query.before ? decodeStuckCursor(query.before) : undefined;
  if (query.before && !before)
    throw new WahookError('bad_request', 'before must be a cursor returned as "next" by a stuck=true call');
  return stuckListJson(
    await listStuckMessages(store, {
      limit: query.limit,
      ...(query.phone_number_id ? { phoneNumberId: query.phone_number_id } : {}),
      ...(before ? { before } : {}),
    }),
  );
}

/**
 * `metadata.<key>=<value>` in the query: undefined when absent, a message when malformed. `limit`
 * and `before` have passed the list's schema already.
 */
function metadataFilter(
  query: Record<string, unknown> & { limit: number; before?: string | undefined },
): { key: string; value: string; limit: number; after: string } | string | undefined {
  const keys = Object.keys(query).filter((key) => key.startsWith('metadata.'));
  if (keys.length === 0) return undefined;
  if (keys.length > 1) return 'filter on one metadata key at a time, e.g. ?metadata.guest_id=g-17';
  const name = keys[0] as string;
  const key = name.slice('metadata.'.length);
  const value = query[name];
  if (key.length === 0 || key.length > 128 || typeof value !== 'string' || value.length > 256)
    return 'metadata.<key>=<value> takes one key (≤ 128 characters) and one value (≤ 256)';
  const limit = query.limit;
  const before = query.before ?? '';
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
