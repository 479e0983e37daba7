import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { eventJson } from '../events/json.js';
import type { EventReader } from '../store/ports.js';
import { seqCursor } from './cursors.js';
import { successBody } from './route-schemas.js';

/**
 * GET /v1/events: the event log in a stable order. The cursor is opaque to clients (today the
 * event's seq); `next` is where to continue, and stays put when there is nothing new, so a client
 * can poll with the last `next` it got.
 */
const query = z.object({
  after: seqCursor('after').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  type: z.string().optional(),
  // The name the event stream uses; either works here.
  types: z.string().optional().meta({ description: 'event types, comma-separated' }),
});

const schema = {
  summary: 'The event log in a stable order, from a cursor',
  tags: ['events'],
  querystring: query,
  response: {
    200: successBody('`{"events": […], "next": "<cursor>"}`; `next` stays put when nothing is new'),
  },
};

export async function eventRoutes(plain: FastifyInstance, options: { store: EventReader }): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/events', { schema }, async (request) => {
    const given = request.query;
    const afterSeq = given.after ?? 0;
    const types = (given.types ?? given.type)?.split(',').filter(Boolean);
    const events = await options.store.listEvents({
      afterSeq,
      limit: given.limit,
      ...(types ? { types } : {}),
    });
    // The same event JSON as a push delivery (less its per-subscription sequence) and the stream.
    return { events: events.map((event) => eventJson(event)), next: String(events.at(-1)?.seq ?? afterSeq) };
  });
}
