import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock.js';
import type { RetentionPolicy } from '../retention/policy.js';
import { DATA_CLASSES, type RetentionStore } from '../store/retention-ports.js';
import type { Bus } from './bus.js';

/**
 * Retention metrics. The oldest row's age per class is read from the store at scrape time and
 * counts only rows the janitor may remove (an event a dead letter still needs is not "old"), so
 * the alert that compares it with wahook_retention_seconds fires only when the janitor is stuck.
 */
export function registerRetentionMetrics(
  registry: Registry,
  bus: Bus,
  store: RetentionStore,
  policy: RetentionPolicy,
  clock: Clock,
): void {
  const retention = new Gauge({
    name: 'wahook_retention_seconds',
    help: 'Configured retention per data class (0: kept forever; for dedupe, the dedupe window).',
    labelNames: ['class'] as const,
    registers: [registry],
  });
  for (const dataClass of DATA_CLASSES) retention.set({ class: dataClass }, policy[dataClass] / 1000);
  new Gauge({
    name: 'wahook_retention_oldest_row_age_seconds',
    help: 'Age of the oldest row per data class that retention may remove (0 when there is none).',
    labelNames: ['class'] as const,
    registers: [registry],
    async collect() {
      const oldest = await store.oldestRowTimes().catch(() => undefined);
      if (!oldest) return;
      const now = clock.now();
      for (const dataClass of DATA_CLASSES) {
        const at = oldest[dataClass];
        this.set({ class: dataClass }, at === null ? 0 : Math.max(0, (now - at) / 1000));
      }
    },
  });
  const purged = new Counter({
    name: 'wahook_retention_purged_rows_total',
    help: 'Rows removed by the janitor, per data class.',
    labelNames: ['class'] as const,
    registers: [registry],
  });
  bus.on('retention:purged', (event) => purged.inc({ class: event.dataClass }, event.rows));
}
