import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { DeliveryQueue, DeliveryReader } from '../store/delivery-ports.js';
import type { InboxClaimer, InboxReader, RejectedLog } from '../store/ports.js';
import { rowIdParams, successBody } from './route-schemas.js';

const inboxId = rowIdParams('inbox id must be a positive integer');
const page = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.coerce.number().int().positive().optional(),
};

const requeued = z
  .object({ requeued: z.number().int().min(0) })
  .meta({ description: 'how many rows went back to pending' });

/** What each route takes and answers: validation, and GET /v1/openapi.json. */
const schemas = {
  stats: {
    summary: 'Counts of the inbox, the deliveries and the subscriptions with a backlog',
    tags: ['stats'],
    response: { 200: successBody('the counts') },
  },
  inboxRow: {
    summary: 'One stored webhook request, with its raw body',
    tags: ['inbox'],
    params: inboxId,
    response: { 200: successBody('the inbox row') },
  },
  inbox: {
    summary: 'Stored webhook requests, newest first',
    tags: ['inbox'],
    querystring: z.object({ state: z.enum(['pending', 'processed', 'quarantined']).optional(), ...page }),
    response: { 200: successBody('a page of inbox rows and the cursor of the next (`next`, or null)') },
  },
  reprocessRow: {
    summary: 'Puts one quarantined row back to pending',
    tags: ['inbox'],
    params: inboxId,
    response: { 200: requeued },
  },
  reprocessAll: {
    summary: 'Puts every quarantined row back to pending',
    tags: ['inbox'],
    response: { 200: requeued },
  },
  requests: {
    summary: 'Refused webhook requests (the request log), newest first',
    tags: ['requests'],
    querystring: z.object(page),
    response: { 200: successBody('a page of refused requests and the cursor of the next (`next`, or null)') },
  },
};

/** Inbox counts, single raw rows, and the log of rejected requests. */
export async function inboxRoutes(
  plain: FastifyInstance,
  options: {
    store: InboxReader &
      InboxClaimer &
      RejectedLog &
      Pick<DeliveryQueue, 'deliveryQueueStats'> &
      Pick<DeliveryReader, 'subscriptionBacklogs'>;
    /** The breaker state this process's delivery loop holds per subscription; absent without the loop. */
    breakerState?: (subscriptionId: string) => string;
    now: () => number;
  },
): Promise<void> {
  const app = plain.withTypeProvider<ZodTypeProvider>();
  app.get('/v1/stats', { schema: schemas.stats }, async () => {
    const now = options.now();
    const [stats, deliveries, backlogs] = await Promise.all([
      options.store.inboxStats(),
      options.store.deliveryQueueStats(now),
      options.store.subscriptionBacklogs(),
    ]);
    return {
      inbox: {
        total: stats.total,
        pending: stats.pending,
        quarantined: stats.quarantined,
        processed: stats.processed,
        oldest_pending_at:
          stats.oldestPendingAt === null ? null : new Date(stats.oldestPendingAt).toISOString(),
      },
      deliveries: {
        pending: deliveries.pending,
        due: deliveries.due,
        dead: deliveries.dead,
        oldest_due_at:
          deliveries.oldestDueAt === null ? null : new Date(deliveries.oldestDueAt).toISOString(),
      },
      // Subscriptions with deliveries in play; the breaker is null where this process runs no loop.
      subscriptions: backlogs.map((backlog) => ({
        id: backlog.subscriptionId,
        pending: backlog.pending,
        dead: backlog.dead,
        oldest_pending_at:
          backlog.oldestPendingAt === null ? null : new Date(backlog.oldestPendingAt).toISOString(),
        oldest_pending_age_s:
          backlog.oldestPendingAt === null
            ? null
            : Math.max(0, Math.round((now - backlog.oldestPendingAt) / 1000)),
        breaker: options.breakerState?.(backlog.subscriptionId) ?? null,
      })),
    };
  });

  app.get('/v1/inbox/:id', { schema: schemas.inboxRow }, async (request) => {
    const { id } = request.params;
    const row = await options.store.getInboxRow(id);
    if (!row) throw new WahookError('not_found', `no inbox row ${id}`);
    return {
      id: row.id,
      received_at: new Date(row.receivedAt).toISOString(),
      source: row.source,
      auth: row.auth,
      content_type: row.contentType,
      headers: row.headers,
      state: row.state,
      attempts: row.attempts,
      error: row.error,
      processed_at: row.processedAt === null ? null : new Date(row.processedAt).toISOString(),
      body_bytes: row.body.length,
      body: row.body.toString('utf8'),
      body_base64: row.body.toString('base64'),
    };
  });

  app.get('/v1/inbox', { schema: schemas.inbox }, async (request) => {
    const query = request.query;
    const rows = await options.store.listInbox({
      limit: query.limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.before === undefined ? {} : { beforeId: query.before }),
    });
    return {
      inbox: rows.map((row) => ({
        id: row.id,
        received_at: new Date(row.receivedAt).toISOString(),
        source: row.source,
        state: row.state,
        attempts: row.attempts,
        error: row.error,
        body_bytes: row.bodyBytes,
        processed_at: row.processedAt === null ? null : new Date(row.processedAt).toISOString(),
      })),
      next: rows.length === query.limit ? String(rows.at(-1)?.id) : null,
    };
  });

  // Quarantined rows go back to pending; the worker parses them again with the current code.
  app.post('/v1/inbox/:id/reprocess', { schema: schemas.reprocessRow }, async (request) => {
    const { id } = request.params;
    const row = await options.store.getInboxRow(id);
    if (!row) throw new WahookError('not_found', `no inbox row ${id}`);
    if (row.state !== 'quarantined') {
      throw new WahookError('conflict', `inbox row ${id} is ${row.state}, not quarantined`, {
        hint: 'Only a quarantined row can be reprocessed; GET /v1/inbox?state=quarantined lists them.',
      });
    }
    return { requeued: await options.store.requeueQuarantined([id]) };
  });

  app.post('/v1/inbox/reprocess', { schema: schemas.reprocessAll }, async () => ({
    requeued: await options.store.requeueQuarantined(),
  }));

  app.get('/v1/requests', { schema: schemas.requests }, async (request) => {
    const query = request.query;
    const rows = await options.store.listRejected({
      limit: query.limit,
      ...(query.before === undefined ? {} : { beforeId: query.before }),
    });
    return {
      requests: rows.map((row) => ({
        id: row.id,
        received_at: new Date(row.receivedAt).toISOString(),
        method: row.method,
        path: row.path,
        status: row.status,
        reason: row.reason,
        hints: row.hints,
        headers: row.headers,
        body_bytes: row.bodyBytes,
        body_prefix: row.bodyPrefix.toString('utf8'),
        remote_address: row.remoteAddress,
      })),
      next: rows.length === query.limit ? String(rows.at(-1)?.id) : null,
    };
  });
}
