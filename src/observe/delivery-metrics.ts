import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock.js';
import type { DeliveryQueue, DeliveryQueueStats } from '../store/delivery-ports.js';
import type { Bus } from './bus.js';

/**
 * ⑤ delivery metrics, fed by the bus (`delivery:*`) and, for the queue gauges, read from the store
 * at scrape time. Labels carry subscription ids, never URLs or secrets; there are few subscriptions,
 * so the label sets stay small.
 */
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

export function registerDeliveryMetrics(
  registry: Registry,
  bus: Bus,
  store: Pick<DeliveryQueue, 'deliveryQueueStats'>,
  clock: Clock,
): void {
  const attempts = new Counter({
    name: 'wahook_delivery_attempts_total',
    help: 'Delivery attempts by subscription and outcome (success, http_error, gone, redirect, timeout, connection_error).',
    labelNames: ['subscription', 'outcome'] as const,
    registers: [registry],
  });
  const attemptSeconds = new Histogram({
    name: 'wahook_delivery_attempt_seconds',
    help: 'Duration of one delivery attempt, until the answer was read.',
    labelNames: ['subscription'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'wahook_delivery_latency_seconds',
    help: 'Time from an event being created to its successful delivery, retries included.',
    labelNames: ['subscription'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
    registers: [registry],
  });
  const dead = new Counter({
    name: 'wahook_delivery_dead_letters_total',
    help: 'Deliveries that became dead letters, by subscription and reason (retries_exhausted, subscription_disabled).',
    labelNames: ['subscription', 'reason'] as const,
    registers: [registry],
  });
  const breaker = new Gauge({
    name: 'wahook_delivery_breaker_state',
    help: 'Circuit breaker per subscription in this process: 0 closed, 1 half-open, 2 open.',
    labelNames: ['subscription'] as const,
    registers: [registry],
  });
  // One store read per scrape, shared by the gauges below: prom-client collects them concurrently.
  let reading: Promise<{ stats: DeliveryQueueStats; now: number } | undefined> | undefined;
  const readStats = () => {
    reading ??= (async () => {
      const now = clock.now();
      const stats = await store.deliveryQueueStats(now).catch(() => undefined);
      return stats && { stats, now };
    })().finally(() => {
      reading = undefined;
    });
    return reading;
  };
  new Gauge({
    name: 'wahook_delivery_queue_depth',
    help: 'Pending deliveries, read from the store: state=due (may be sent now; attempts in flight are not due) or state=pending (all, retries waiting and attempts in flight included).',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const read = await readStats();
      if (!read) return;
      this.set({ state: 'due' }, read.stats.due);
      this.set({ state: 'pending' }, read.stats.pending);
    },
  });
  new Gauge({
    name: 'wahook_delivery_oldest_due_age_seconds',
    help: 'How long the longest-waiting due delivery has been due (0 when none): the delivery backlog in time.',
    registers: [registry],
    async collect() {
      const read = await readStats();
      if (!read) return;
      const oldest = read.stats.oldestDueAt;
      this.set(oldest === null ? 0 : Math.max(0, read.now - oldest) / 1000);
    },
  });
  new Gauge({
    name: 'wahook_delivery_dead_letters',
    help: 'Dead letters waiting for a replay, read from the store.',
    registers: [registry],
    async collect() {
      const read = await readStats();
      if (read) this.set(read.stats.dead);
    },
  });

  bus.on('delivery:attempt', (event) => {
    attempts.inc({ subscription: event.subscriptionId, outcome: event.outcome });
    attemptSeconds.observe({ subscription: event.subscriptionId }, event.latencyMs / 1000);
  });
  bus.on('delivery:succeeded', (event) =>
    endToEnd.observe({ subscription: event.subscriptionId }, event.endToEndMs / 1000),
  );
  bus.on('delivery:dead', (event) => dead.inc({ subscription: event.subscriptionId, reason: event.reason }));
  bus.on('delivery:breaker', (event) =>
    breaker.set({ subscription: event.subscriptionId }, BREAKER_VALUE[event.state]),
  );
}
