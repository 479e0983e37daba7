import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  createSubscriptionBody,
  subscriptionJson,
  toPatch,
  updateSubscriptionBody,
} from '../deliver/subscription-input.js';
import { createSubscription } from '../deliver/subscriptions.js';
import { targetProblem } from '../deliver/target-policy.js';
import { sendTestEvent } from '../deliver/test-event.js';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { SubscriptionStore } from '../store/delivery-ports.js';

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
  const refusedTarget = (url: string | undefined) =>
    url === undefined || deps.allowPrivate ? null : targetProblem(url);
  return async (app: FastifyInstance) => {
    app.post('/v1/subscriptions', async (request, reply) => {
      if (!isObject(request.body)) throw new WahookError('bad_request', EXAMPLE_BODY);
      const body = createSubscriptionBody.safeParse(request.body);
      if (!body.success) throw new WahookError('bad_request', describeIssues(body.error));
      const refused = refusedTarget(body.data.url);
      if (refused) throw new WahookError('bad_request', `url: ${refused}`);
      const subscription = await createSubscription(deps.store, body.data, deps.clock.now());
      return reply.code(201).send(subscriptionJson(subscription));
    });

    app.get('/v1/subscriptions', async () => {
      const subscriptions = await deps.store.listSubscriptions();
      return { subscriptions: subscriptions.map(subscriptionJson) };
    });

    app.get('/v1/subscriptions/:id', async (request) => {
      const { id } = request.params as { id: string };
      const subscription = await deps.store.getSubscription(id);
      if (!subscription) throw new WahookError('not_found', unknown(id));
      return subscriptionJson(subscription);
    });

    app.patch('/v1/subscriptions/:id', async (request) => {
      const { id } = request.params as { id: string };
      if (!isObject(request.body))
        throw new WahookError(
          'bad_request',
          'send a JSON object with the fields to change, e.g. {"enabled":true} or {"paused":true}',
        );
      const body = updateSubscriptionBody.safeParse(request.body);
      if (!body.success) throw new WahookError('bad_request', describeIssues(body.error));
      const refused = refusedTarget(body.data.url);
      if (refused) throw new WahookError('bad_request', `url: ${refused}`);
      const now = deps.clock.now();
      const patch = toPatch(body.data);
      let subscription =
        Object.keys(patch).length > 0 || body.data.paused === undefined
          ? await deps.store.updateSubscription(id, patch, now)
          : await deps.store.getSubscription(id);
      if (subscription && body.data.paused !== undefined) {
        subscription = await deps.store.setSubscriptionPaused(id, body.data.paused, now);
      }
      if (!subscription) throw new WahookError('not_found', unknown(id));
      return subscriptionJson(subscription);
    });

    // A signed wahook.test event sent now, outside the queue; the answer says how the endpoint took it.
    app.post('/v1/subscriptions/:id/test', async (request) => {
      const { id } = request.params as { id: string };
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

    app.delete('/v1/subscriptions/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await deps.store.deleteSubscription(id))) throw new WahookError('not_found', unknown(id));
      return reply.code(204).send();
    });
  };
}

const EXAMPLE_BODY =
  'send a JSON object, e.g. {"url":"https://erp.example.com/whatsapp-events","events":["*"]}';

function unknown(id: string): string {
  return `no subscription ${id}; GET /v1/subscriptions lists them`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
