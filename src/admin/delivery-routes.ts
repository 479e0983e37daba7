import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { DeliveryListing, DeliveryReader } from '../store/delivery-ports.js';
import { LISTED_DELIVERY_STATES } from '../store/delivery-ports.js';

/**
 * GET /v1/deliveries: pending deliveries (with their attempts, last error and next attempt) and
 * dead letters, so a failing subscriber is visible long before its retries run out. Keyset paging
 * by id over indexes without succeeded rows: a page costs its limit.
 */
const query = z.strictObject({
  state: z.enum(LISTED_DELIVERY_STATES).default('pending'),
  subscription: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: z
    .string()
    .regex(/^\d{1,15}$/, { message: 'after must be a cursor returned as "next" by an earlier call' })
    .transform(Number)
    .optional(),
});

export function deliveryRoutes(deps: { store: DeliveryReader }): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.get('/v1/deliveries', async (request) => {
      const parsed = query.safeParse(request.query);
      if (!parsed.success) throw new WahookError('bad_request', describeIssues(parsed.error));
      const { state, subscription, limit, after } = parsed.data;
      const rows = await deps.store.listDeliveries({
        state,
        limit,
        ...(subscription === undefined ? {} : { subscriptionId: subscription }),
        ...(after === undefined ? {} : { afterId: after }),
      });
      return {
        deliveries: rows.map(deliveryJson),
        next: rows.length === limit ? String(rows.at(-1)?.id) : null,
      };
    });
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function deliveryJson(delivery: DeliveryListing) {
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    event_type: delivery.eventType,
    subscription_id: delivery.subscriptionId,
    state: delivery.state,
    lane: delivery.lane,
    attempts: delivery.attempts,
    last_status: delivery.lastStatus,
    last_error: delivery.lastError,
    next_attempt_at: iso(delivery.nextAttemptAt),
    created_at: iso(delivery.createdAt),
    dead_at: iso(delivery.deadAt),
    batch_id: delivery.batchId,
  };
}
