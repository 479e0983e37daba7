import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import {
  deadLetterJson,
  deadLetterQuery,
  filterOf,
  replayBody,
  selectorOf,
} from '../deliver/dead-letter-input.js';
import { previewReplay, replayPreviewJson } from '../deliver/replay-preview.js';
import { WahookError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { describeIssues } from '../lib/describe-issues.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { DeadLetterStore, DeliveryReader, SubscriptionStore } from '../store/delivery-ports.js';

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
  return async (app: FastifyInstance) => {
    app.get('/v1/dead-letters', async (request) => {
      const query = deadLetterQuery.safeParse(request.query);
      if (!query.success) throw new WahookError('bad_request', describeIssues(query.error));
      const { limit, after } = query.data;
      const rows = await deps.store.listDeadLetters({
        ...filterOf(query.data),
        limit,
        ...(after === undefined ? {} : { afterId: after }),
      });
      return {
        dead_letters: rows.map(deadLetterJson),
        next: rows.length === limit ? String(rows.at(-1)?.id) : null,
      };
    });

    app.get('/v1/dead-letters/:id', async (request) => {
      const id = Number((request.params as { id: string }).id);
      if (!Number.isSafeInteger(id) || id <= 0)
        throw new WahookError('bad_request', 'id must be a dead letter id (a positive integer)');
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

    app.post('/v1/dead-letters/replay', async (request) => {
      const body = replayBody.safeParse(request.body ?? {});
      if (!body.success) throw new WahookError('bad_request', describeIssues(body.error));
      const limit = body.data.limit === undefined ? {} : { limit: body.data.limit };
      // A dry run also says why it would send less than it matches (disabled, paused, no match).
      if (body.data.dry_run) {
        const preview = await previewReplay(deps.store, selectorOf(body.data), {
          now: deps.clock.now(),
          ...limit,
        });
        return replayPreviewJson(preview);
      }
      const count = await deps.store.replayDeadLetters(selectorOf(body.data), {
        now: deps.clock.now(),
        dryRun: false,
        ...limit,
      });
      if (count > 0) deps.wakeups.signal('dead_letters:replayed');
      return { replayed: count };
    });
  };
}
