import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { EventReader, StoredEvent } from '../store/ports.js';
import { badRequest } from './replies.js';

/**
 * GET /v1/events: the event log in a stable order. The cursor is opaque to clients (today the
 * event's seq); `next` is where to continue, and stays put when there is nothing new, so a client
 * can poll with the last `next` it got.
 */
const query = z.object({
  after: z.string().regex(/^\d+$/, 'after must be a cursor returned as "next" by an earlier call').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  type: z.string().optional(),
});

export async function eventRoutes(app: FastifyInstance, options: { store: EventReader }): Promise<void> {
  app.get('/v1/events', async (request, reply) => {
    const parsed = query.safeParse(request.query);
    if (!parsed.success)
      return badRequest(reply, parsed.error.issues.map((issue) => issue.message).join('; '));
    const afterSeq = Number(parsed.data.after ?? 0);
    const types = parsed.data.type?.split(',').filter(Boolean);
    const events = await options.store.listEvents({
      afterSeq,
      limit: parsed.data.limit,
      ...(types ? { types } : {}),
    });
    return { events: events.map(eventJson), next: String(events.at(-1)?.seq ?? afterSeq) };
  });
}

export function eventJson(event: StoredEvent) {
  return {
    id: event.id,
    type: event.type,
    schema_version: event.schemaVersion,
    created_at: new Date(event.createdAt).toISOString(),
    data: event.data,
  };
}
