import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createSubscriptionBody,
  subscriptionJson,
  toPatch,
  updateSubscriptionBody,
} from '../deliver/subscription-input.js';
import { createSubscription } from '../deliver/subscriptions.js';
import { refusedTarget } from '../deliver/target-policy.js';
import { sendTestEvent } from '../deliver/test-event.js';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { SubscriptionStore } from '../store/delivery-ports.js';
import { isNotAnObject, refusedAs, successBody } from './route-schemas.js';

const EXAMPLE_BODY =
  'send a JSON object, e.g. {"url":"https://erp.example.com/whatsapp-events","events":["*"]}';
const EXAMPLE_PATCH =
  'send a JSON object with the fields to change, e.g. {"enabled":true} or {"paused":true}';

const tags = ['subscriptions'];
const byId = z.object({ id: z.string().meta({ description: 'the subscription id' }) });
const subscription = successBody('the subscription, with its `whsec_` secret');

const schemas = {
  create: {
    summary: 'Adds a subscription; it receives the events committed after it',
    tags,
    body: createSubscriptionBody,
    response: { 201: subscription },
  },
  list: { summary: 'Every subscription', tags, response: { 200: successBody('`{"subscriptions": […]}`') } },
  one: { summary: 'One subscription', tags, params: byId, response: { 200: subscription } },
  update: {
    summary: 'Changes a subscription, or pauses and resumes it',
    tags,
    params: byId,
    body: updateSubscriptionBody,
    response: { 200: subscription },
  },
  test: {
    summary: 'Sends a signed wahook.test event now, outside the queue',
    tags,
    params: byId,
    response: {
      200: successBody('how the endpoint took it: `ok`, `outcome`, `status`, `latency_ms`, `error`'),
    },
  },
  remove: {
    summary: 'Removes a subscription',
    tags,
    params: byId,
    response: { 204: successBody('removed; no body') },
  },
};

/** A body that is no JSON object is answered with an example; anything else field by field. */
const refused = (example: string) =>
  refusedAs((issues, part, standard) => (part === 'body' && isNotAnObject(issues) ? example : standard));

/**
 * /v1/subscriptions: where events are pushed. A new subscription receives the events committed
 * after it; its `whsec_` secret is in the answer (and in GET, behind the same admin token).
 */
export function subscriptionRoutes(deps: {
  store: SubscriptionStore;
  clock: Clock;
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE: URLs on loopback or private addresses are accepted. */
  allowPrivate: boolean;
  /** WAHOOK_DELIVERY_TIMEOUT: the bound on a test event, as on every delivery. */
  timeoutMs: number;
}): FastifyPluginAsync {
  const refusedUrl = (url: string | undefined) =>
    url === undefined ? null : refusedTarget(url, { allowPrivate: deps.allowPrivate });
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    const createOptions = { schema: schemas.create, schemaErrorFormatter: refused(EXAMPLE_BODY) };
    app.post('/v1/subscriptions', createOptions, async (request, reply) => {
      const body = request.body;
      // Where the URL points is decided by the settings and DNS, not by a schema.
      const target = refusedUrl(body.url);
      if (target) throw new WahookError('bad_request', `url: ${target}`);
      const subscription = await createSubscription(deps.store, body, deps.clock.now());
      return reply.code(201).send(subscriptionJson(subscription));
    });

    app.get('/v1/subscriptions', { schema: schemas.list }, async () => {
      const subscriptions = await deps.store.listSubscriptions();
      return { subscriptions: subscriptions.map(subscriptionJson) };
    });

    app.get('/v1/subscriptions/:id', { schema: schemas.one }, async (request) => {
      const { id } = request.params;
      const subscription = await deps.store.getSubscription(id);
      if (!subscription) throw new WahookError('not_found', unknown(id));
      return subscriptionJson(subscription);
    });

    const updateOptions = { schema: schemas.update, schemaErrorFormatter: refused(EXAMPLE_PATCH) };
    app.patch('/v1/subscriptions/:id', updateOptions, async (request) => {
      const { id } = request.params;
      const body = request.body;
      const target = refusedUrl(body.url);
      if (target) throw new WahookError('bad_request', `url: ${target}`);
      const now = deps.clock.now();
      const patch = toPatch(body);
      let subscription =
        Object.keys(patch).length > 0 || body.paused === undefined
          ? await deps.store.updateSubscription(id, patch, now)
          : await deps.store.getSubscription(id);
      if (subscription && body.paused !== undefined) {
        subscription = await deps.store.setSubscriptionPaused(id, body.paused, now);
      }
      if (!subscription) throw new WahookError('not_found', unknown(id));
      return subscriptionJson(subscription);
    });

    // A signed wahook.test event sent now, outside the queue; the answer says how the endpoint took it.
    app.post('/v1/subscriptions/:id/test', { schema: schemas.test }, async (request) => {
      const { id } = request.params;
      const subscription = await deps.store.getSubscription(id);
      if (!subscription) throw new WahookError('not_found', unknown(id));
      const result = await sendTestEvent(subscription, {
        now: deps.clock.now(),
        timeoutMs: deps.timeoutMs,
        allowPrivate: deps.allowPrivate,
      });
      return {
        event_id: result.eventId,
        ok: result.outcome === 'success',
        outcome: result.outcome,
        status: result.status,
        latency_ms: result.latencyMs,
        error: result.error,
      };
    });

    app.delete('/v1/subscriptions/:id', { schema: schemas.remove }, async (request, reply) => {
      const { id } = request.params;
      if (!(await deps.store.deleteSubscription(id))) throw new WahookError('not_found', unknown(id));
      return reply.code(204).send();
    });
  };
}

function unknown(id: string): string {
  return `no subscription ${id}; GET /v1/subscriptions lists them`;
}
