import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { eventJson } from '../events/json.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { EventReader } from '../store/ports.js';
import { seqCursor } from './cursors.js';

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
  types: z.string().optional(),
});

export async function eventRoutes(app: FastifyInstance, options: { store: EventReader }): Promise<void> {
  app.get('/v1/events', async (request) => {
    const parsed = query.safeParse(request.query);
    if (!parsed.success) throw new WahookError('bad_request', describeIssues(parsed.error));
    const afterSeq = parsed.data.after ?? 0;
    const types = (parsed.data.types ?? parsed.data.type)?.split(',').filter(Boolean);
    const events = await options.store.listEvents({
      afterSeq,
      limit: parsed.data.limit,
      ...(types ? { types } : {}),
    });
    // The same event JSON as a push delivery (less its per-subscription sequence) and the stream.
    return { events: events.map((event) => eventJson(event)), next: String(events.at(-1)?.seq ?? afterSeq) };
  });
}
