import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeliveryListing, DeliveryReader } from '../store/delivery-ports.js';
import { LISTED_DELIVERY_STATES } from '../store/delivery-ports.js';
import { successBody } from './route-schemas.js';

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

const schema = {
  summary: 'Pending deliveries or dead letters, with their attempts and next attempt',
  tags: ['deliveries'],
  querystring: query,
  response: { 200: successBody('`{"deliveries": […], "next": "<cursor>" | null}`') },
};

export function deliveryRoutes(deps: { store: DeliveryReader }): FastifyPluginAsync {
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get('/v1/deliveries', { schema }, async (request) => {
      const { state, subscription, limit, after } = request.query;
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
