import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { InboxReader } from '../store/ports.js';
import type { Bus } from './bus.js';
import { registerStorageGauges } from './storage-metrics.js';

/**
 * Prometheus metrics, fed only by the bus (core code never touches prom-client) and, for gauges
 * that describe stored state, read from the store at scrape time.
 */
export function createMetrics(bus: Bus, store: InboxReader): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'wahook_' });

  const requests = new Counter({
    name: 'wahook_webhook_requests_total',
    help: 'Webhook requests by outcome (accepted, rejected, store_failed) and reason.',
    labelNames: ['outcome', 'reason', 'status'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'wahook_webhook_ack_seconds',
    help: 'Time from a verified webhook to its durable commit (the part of the ack wahook controls).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const signatureFailures = new Counter({
    name: 'wahook_signature_failures_total',
    help: 'Webhook POSTs refused for authentication, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'wahook_inbox_commit_batch_size',
    help: 'Inbox rows per group commit.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: 'wahook_inbox_commit_seconds',
    help: 'Duration of one inbox group commit, fsync included.',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const commitFailures = new Counter({
    name: 'wahook_inbox_commit_failures_total',
    help: 'Inbox group commits that failed (every request in them got 503).',
    registers: [registry],
  });
  const rejectedDropped = new Counter({
    name: 'wahook_rejected_log_dropped_total',
    help: 'Rejected requests not written to the request log because its buffer was full.',
    registers: [registry],
  });
  const loopErrors = new Counter({
    name: 'wahook_loop_errors_total',
    help: 'Unexpected errors in background loops, by loop.',
    labelNames: ['loop'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'wahook_inbox_rows',
    help: 'Inbox rows by state, read from the store.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const stats = await store.inboxStats().catch(() => undefined);
      if (!stats) return;
      this.set({ state: 'pending' }, stats.pending);
      this.set({ state: 'quarantined' }, stats.quarantined);
      this.set({ state: 'processed' }, stats.processed);
      oldestPending.set(stats.oldestPendingAt === null ? 0 : (Date.now() - stats.oldestPendingAt) / 1000);
    },
  });
  const oldestPending = new Gauge({
    name: 'wahook_inbox_oldest_pending_age_seconds',
    help: 'Age of the oldest inbox row not yet processed (0 when none).',
    registers: [registry],
  });
  registerStorageGauges(registry, store);

  bus.on('webhook:accepted', (event) => {
    requests.inc({ outcome: 'accepted', reason: '', status: '200' });
    ack.observe(event.ackMs / 1000);
  });
  bus.on('webhook:rejected', (event) => {
    requests.inc({ outcome: 'rejected', reason: event.reason, status: String(event.status) });
    if (event.status === 401) signatureFailures.inc({ reason: event.reason });
  });
  bus.on('webhook:store_failed', () =>
    requests.inc({ outcome: 'store_failed', reason: 'store', status: '503' }),
  );
  bus.on('inbox:committed', (event) => {
    batchSize.observe(event.rows);
    commitSeconds.observe(event.commitMs / 1000);
  });
  bus.on('inbox:commit_failed', () => commitFailures.inc());
  bus.on('rejected_log:dropped', (event) => rejectedDropped.inc(event.count));
  bus.on('loop:error', (event) => loopErrors.inc({ loop: event.loop }));
  return registry;
}
