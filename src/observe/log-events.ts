import type { Logger } from 'pino';
import type { Bus } from './bus.js';

/**
 * What the operator should read in the log, fed by the bus like the metrics. Per-request events
 * stay at debug so the ack path never pays for logging; anything that needs a person is warn or
 * error and says which id to look at.
 */
export function logBusEvents(bus: Bus, logger: Logger): void {
  bus.on('webhook:rejected', (event) =>
    logger.debug({ event: 'webhook.rejected', ...event }, 'webhook refused'),
  );
  bus.on('webhook:store_failed', (event) =>
    logger.error(
      { event: 'webhook.store_failed', error: event.error },
      'webhook answered 503: the inbox could not store it',
    ),
  );
  bus.on('inbox:commit_failed', (event) =>
    logger.error(
      { event: 'inbox.commit_failed', ...event },
      'inbox commit failed; every request in it got 503',
    ),
  );
  bus.on('rejected_log:dropped', (event) =>
    logger.warn({ event: 'rejected_log.dropped', ...event }, 'rejected requests not logged: buffer full'),
  );
  bus.on('process:row', (event) => {
    if (event.outcome !== 'quarantined') return;
    logger.warn(
      { event: 'inbox.quarantined', inboxId: event.inboxId, reason: event.reason },
      `inbox row ${event.inboxId} quarantined: GET /v1/inbox/${event.inboxId}, then POST /v1/inbox/${event.inboxId}/reprocess after a fix`,
    );
  });
  bus.on('process:batch_failed', (event) =>
    logger.error(
      { event: 'process.batch_failed', error: event.error },
      'processing batch failed; it will be retried',
    ),
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
    logger.error({ event: 'loop.error', ...event }, `error in the ${event.loop} loop`),
  );
}
