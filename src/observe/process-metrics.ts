import { Counter, Histogram, type Registry } from 'prom-client';
import type { Bus } from './bus.js';

/** Metrics of ③ processing, fed by the bus. */
export function registerProcessMetrics(bus: Bus, registry: Registry): void {
  const rows = new Counter({
    name: 'wahook_process_rows_total',
    help: 'Inbox rows processed, by outcome (processed, quarantined).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const lag = new Histogram({
    name: 'wahook_process_lag_seconds',
    help: 'Time from receipt of a webhook to the commit of its events.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const items = new Histogram({
    name: 'wahook_process_items_per_envelope',
    help: 'Items (messages, statuses, errors, fields) per webhook body.',
    buckets: [1, 2, 5, 10, 50, 100, 500, 1000],
    registers: [registry],
  });
  const itemsTotal = new Counter({
    name: 'wahook_process_items_total',
    help: 'Items parsed from webhook bodies, by kind.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'wahook_process_duplicates_total',
    help: 'Items that repeated an update already recorded (Meta retries, cross-app copies).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const conflicts = new Counter({
    name: 'wahook_process_conflicting_bodies_total',
    help: 'Messages or echoes that arrived again under a wamid already seen, saying something else.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const senderLag = new Histogram({
    name: 'wahook_meta_lag_seconds',
    help: "Time from the sender's timestamp of a message or status to its receipt here.",
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400, 604800],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'wahook_process_batch_failures_total',
    help: 'Processing batches that failed and were retried.',
    registers: [registry],
  });

  bus.on('process:row', (event) => {
    rows.inc({ outcome: event.outcome });
    lag.observe(event.lagMs / 1000);
    if (event.outcome === 'processed') items.observe(event.items);
  });
  bus.on('process:item', (event) => {
    itemsTotal.inc({ kind: event.kind });
    if (event.duplicate) duplicates.inc({ kind: event.kind });
    if (event.conflict) conflicts.inc({ kind: event.kind });
    if (event.senderLagMs !== null && event.senderLagMs >= 0) senderLag.observe(event.senderLagMs / 1000);
  });
  bus.on('process:batch_failed', () => failures.inc());
}
