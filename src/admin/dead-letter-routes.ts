import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  deadLetterJson,
  deadLetterQuery,
  filterOf,
  replayBody,
  selectorOf,
} from '../deliver/dead-letter-input.js';
import { replaySelected } from '../deliver/dead-letter-replay.js';
import { previewReplay, replayPreviewJson } from '../deliver/replay-preview.js';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { DeadLetterStore, DeliveryReader, SubscriptionStore } from '../store/delivery-ports.js';
import { absentBodyAsEmpty, rowIdParams, successBody } from './route-schemas.js';

const schemas = {
  list: {
    summary: 'Deliveries that used up their retries, oldest first',
    tags: ['dead letters'],
    querystring: deadLetterQuery,
    response: { 200: successBody('`{"dead_letters": […], "next": "<cursor>" | null}`') },
  },
  one: {
    summary: 'One dead letter with its attempt log',
    tags: ['dead letters'],
    params: rowIdParams('id must be a dead letter id (a positive integer)'),
    response: { 200: successBody('the dead letter and its `attempt_log`') },
  },
  replay: {
    summary: 'Queues dead letters again (by ids, or by filters), or previews that with dry_run',
    tags: ['dead letters'],
    body: absentBodyAsEmpty(replayBody),
    response: { 200: successBody('`{"replayed": n}`, or the preview of a dry run') },
  },
};

/**
 * /v1/dead-letters: deliveries that used up their retries (or whose subscription was disabled),
 * and their replay. A replay keeps the event id, so a subscriber that already has the event
 * dedupes it; it runs in the replay lane, which live deliveries always go before.
 */
export function deadLetterRoutes(deps: {
  store: DeadLetterStore &
    Pick<DeliveryReader, 'matchDeadLetters'> &
    Pick<SubscriptionStore, 'getSubscription'>;
  clock: Clock;
  /** A replay signals `dead_letters:replayed`, so a delivery loop starts on it at once. */
  wakeups: Pick<Wakeups, 'signal'>;
}): FastifyPluginAsync {
  return async (plain: FastifyInstance) => {
    const app = plain.withTypeProvider<ZodTypeProvider>();
    app.get('/v1/dead-letters', { schema: schemas.list }, async (request) => {
      const { limit, after } = request.query;
      const rows = await deps.store.listDeadLetters({
        ...filterOf(request.query),
        limit,
        ...(after === undefined ? {} : { afterId: after }),
      });
      return {
        dead_letters: rows.map(deadLetterJson),
        next: rows.length === limit ? String(rows.at(-1)?.id) : null,
      };
    });

    app.get('/v1/dead-letters/:id', { schema: schemas.one }, async (request) => {
      const { id } = request.params;
      const deadLetter = await deps.store.getDeadLetter(id);
      if (!deadLetter)
        throw new WahookError('not_found', `no dead letter ${id}; GET /v1/dead-letters lists them`);
      return {
        ...deadLetterJson(deadLetter),
        attempt_log: deadLetter.attemptLog.map((attempt) => ({
          at: new Date(attempt.attemptedAt).toISOString(),
          outcome: attempt.outcome,
          status: attempt.status,
          latency_ms: attempt.latencyMs,
          error: attempt.error,
          response_prefix: attempt.responsePrefix,
        })),
      };
    });

    app.post('/v1/dead-letters/replay', { schema: schemas.replay }, async (request) => {
      const body = request.body;
      const limit = body.limit === undefined ? {} : { limit: body.limit };
      // A dry run also says why it would send less than it matches (disabled, paused, no match).
      if (body.dry_run) {
        const preview = await previewReplay(deps.store, selectorOf(body), {
          now: deps.clock.now(),
          ...limit,
        });
        return replayPreviewJson(preview);
      }
      const count = await replaySelected(deps, selectorOf(body), { now: deps.clock.now(), ...limit });
      return { replayed: count };
    });
  };
}
