import { Counter, Gauge, type Registry } from 'prom-client';
import type { Bus } from './bus.js';

/** Send metrics: outcomes of POST /v1/messages, and the messages the last stuck scan found, per stage. */
export function registerSendMetrics(registry: Registry, bus: Bus): void {
  const sends = new Counter({
    name: 'wahook_sends_total',
    help: 'POST /v1/messages that reached a decision, by outcome (accepted, failed, unknown, replayed).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  bus.on('send:done', (event) => sends.inc({ outcome: event.outcome }));
  const stuck = new Gauge({
    name: 'wahook_messages_stuck',
    help: 'Messages sent through wahook that the last scan found stuck: no sent status (stage=sent) or no delivered status (stage=delivered) past the limit. A judgement older than 38 days is final and no longer counted.',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  stuck.set({ stage: 'sent' }, 0);
  stuck.set({ stage: 'delivered' }, 0);
  bus.on('send:stuck_scan', (event) => {
    stuck.set({ stage: 'sent' }, event.sent);
    stuck.set({ stage: 'delivered' }, event.delivered);
  });
}
