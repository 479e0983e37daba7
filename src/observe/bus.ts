import { EventEmitter } from 'node:events';
import { Wakeups } from '../lib/wakeups.js';

/**
 * The typed internal event bus. Core code says what happened; metrics and logs subscribe. No stage
 * imports prom-client or formats log lines about its own progress. Listeners must be cheap and
 * must not throw: they run inline on the path that emitted.
 */
export interface BusEvents {
  'webhook:accepted': { source: string; bytes: number; ackMs: number };
  'webhook:rejected': { status: number; reason: string; source: string };
  'webhook:store_failed': { error: string };
  'inbox:committed': { rows: number; commitMs: number };
  'inbox:commit_failed': { rows: number; error: string };
  'rejected_log:dropped': { count: number };
  'process:row': {
    inboxId: number;
    outcome: 'processed' | 'quarantined';
    lagMs: number;
    items: number;
    reason?: string;
  };
  'process:item': { kind: string; duplicate: boolean; conflict: boolean; senderLagMs: number | null };
  'process:batch_failed': { error: string };
  'delivery:attempt': {
    subscriptionId: string;
    outcome: string;
    status: number | null;
    latencyMs: number;
  };
  /** A failed attempt that will be retried: what went wrong, by class, and when it goes again. */
  'delivery:retry_scheduled': {
    deliveryId: number;
    eventId: string;
    subscriptionId: string;
    errorClass: string;
    status: number | null;
    attempt: number;
    nextAttemptAt: number;
  };
  'delivery:succeeded': { subscriptionId: string; endToEndMs: number };
  'delivery:dead': { subscriptionId: string; reason: string };
  'delivery:breaker': { subscriptionId: string; state: 'closed' | 'open' | 'half_open' };
  'loop:error': { loop: string; error: string };
  /** A loop went round without an error: ends a failure streak in the log (see FailureStreaks). */
  'loop:ok': { loop: string };
  'readiness:failed': { error: string };
  'readiness:ok': Record<string, never>;
  'retention:purged': { dataClass: string; rows: number; ms: number };
  'erasure:done': { kind: string; rows: number };
  /** One POST /v1/messages that reached a decision: outcome is accepted, failed, unknown, throttled or replayed. */
  'send:done': { outcome: string; graphMs: number | null };
  /** A stuck-message scan finished: how many sends are stuck now, per stage. */
  'send:stuck_scan': { sent: number; delivered: number };
}

export type BusEventName = keyof BusEvents;

export class Bus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends BusEventName>(name: K, payload: BusEvents[K]): void {
    this.emitter.emit(name, payload);
  }

  on<K extends BusEventName>(name: K, listener: (payload: BusEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}

/** Wake-ups whose failing listeners are reported on the bus, as a failing loop is. */
export function wakeupsReportingTo(bus: Bus): Wakeups {
  return new Wakeups((signal, error) =>
    bus.emit('loop:error', { loop: 'wakeups', error: `a ${signal} listener threw: ${error.message}` }),
  );
}
