import type { Logger } from 'pino';
import { type Clock, systemClock } from '../lib/clock.js';
import type { Bus } from './bus.js';
import { FailureStreaks } from './failure-streaks.js';

/**
 * What the operator should read in the log, fed by the bus like the metrics. Per-request events
 * stay at debug so the ack path never pays for logging; anything that needs a person is warn or
 * error and says which id to look at.
 */
export function logBusEvents(bus: Bus, logger: Logger, clock: Clock = systemClock): FailureStreaks {
  // Failures that repeat per request or per poll are logged as a state change, so a full disk or a
  // database outage costs a few lines, not one per refused webhook.
  const streaks = new FailureStreaks(logger, clock);
  bus.on('webhook:rejected', (event) =>
    logger.debug({ event: 'webhook.rejected', ...event }, 'webhook refused'),
  );
  bus.on('webhook:store_failed', (event) =>
    streaks.failed('webhook.store', 'webhooks answered 503: the inbox could not store them', event.error),
  );
  bus.on('webhook:accepted', () => streaks.succeeded('loop.receive'));
  bus.on('inbox:commit_failed', (event) =>
    streaks.failed('inbox.commit', 'inbox commits failed; every request in them got 503', event.error),
  );
  bus.on('inbox:committed', () => {
    streaks.succeeded('inbox.commit');
    streaks.succeeded('webhook.store');
  });
  bus.on('readiness:failed', (event) =>
    streaks.failed('readiness', '/readyz answered 503: the store cannot write', event.error),
  );
  bus.on('readiness:ok', () => streaks.succeeded('readiness'));
  // Per refused request when the buffer is full: a streak too (the metric keeps the exact count).
  bus.on('rejected_log:dropped', (event) =>
    streaks.failed('loop.rejected-log', 'rejected requests not logged', `${event.count} dropped`),
  );
  bus.on('process:row', (event) => {
    if (event.outcome !== 'quarantined') return;
    logger.warn(
      { event: 'inbox.quarantined', inboxId: event.inboxId, reason: event.reason },
      `inbox row ${event.inboxId} quarantined: GET /v1/inbox/${event.inboxId}, then POST /v1/inbox/${event.inboxId}/reprocess after a fix`,
    );
  });
  bus.on('process:batch_failed', (event) =>
    streaks.failed('process.batch', 'processing batches failed; they will be retried', event.error),
  );
  // At info, so a failing subscriber shows in the log days before its deliveries die. Ids, the
  // error class and the status only: never the response body or anything about the person.
  bus.on('delivery:retry_scheduled', (event) =>
    logger.info(
      {
        event: 'delivery.retry_scheduled',
        ...event,
        nextAttemptAt: new Date(event.nextAttemptAt).toISOString(),
      },
      `delivery attempt ${event.attempt} to subscription ${event.subscriptionId} failed (${event.errorClass}${event.status === null ? '' : ` ${event.status}`}); next attempt ${new Date(event.nextAttemptAt).toISOString()}: GET /v1/deliveries?subscription=${event.subscriptionId}`,
    ),
  );
  bus.on('delivery:dead', (event) =>
    logger.warn(
      { event: 'delivery.dead', ...event },
      'delivery became a dead letter: see GET /v1/dead-letters',
    ),
  );
  bus.on('delivery:breaker', (event) =>
    logger.warn(
      { event: 'delivery.breaker', ...event },
      `circuit breaker ${event.state} for subscription ${event.subscriptionId}`,
    ),
  );
  bus.on('retention:purged', (event) =>
    logger.debug(
      { event: 'retention.purged', ...event },
      `janitor removed a batch of ${event.dataClass} rows`,
    ),
  );
  // Counts only: an erasure log line must not say whom it erased.
  bus.on('erasure:done', (event) =>
    logger.info(
      { event: 'erasure.done', ...event },
      `erasure by ${event.kind} removed or rewrote ${event.rows} rows`,
    ),
  );
  bus.on('loop:error', (event) =>
    streaks.failed(`loop.${event.loop}`, `errors in the ${event.loop} loop`, event.error),
  );
  bus.on('loop:ok', (event) => {
    streaks.succeeded(`loop.${event.loop}`);
    if (event.loop === 'worker') streaks.succeeded('process.batch');
  });
  return streaks;
}
