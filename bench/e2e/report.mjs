import { formatNumber, median, renderTable } from '../lib/stats.mjs';
import { isStable } from './step.mjs';

/** Medians per rate over the runs, and the highest stable rate of each run, as data and as text. */
export function summarize(runs) {
  const labels = [...new Set(runs.flatMap((run) => run.steps.map((step) => step.label)))];
  const rows = labels.map((label) => {
    const steps = runs.flatMap((run) => run.steps.filter((step) => step.label === label));
    const pick = (read) => median(steps.map(read));
    return {
      label,
      rate: steps[0].rate,
      runs: steps.length,
      stableRuns: steps.filter(isStable).length,
      sent: pick((s) => s.sent),
      acked: pick((s) => s.acked),
      deliveredInGrace: pick((s) => s.deliveredInGrace),
      e2eP50Ms: pick((s) => s.e2eMs.p50),
      e2eP99Ms: pick((s) => s.e2eMs.p99),
      e2eMaxMs: pick((s) => s.e2eMs.max),
      ackP50Ms: pick((s) => s.ackMs.p50),
      ackP99Ms: pick((s) => s.ackMs.p99),
      backlogAtSendEnd: pick((s) => (s.backlogAtSendEnd?.inbox ?? 0) + (s.backlogAtSendEnd?.deliveries ?? 0)),
      senderLagP99Ms: pick((s) => s.senderLagP99Ms),
      foreignCores: pick((s) => s.foreignCores),
      cpuUsPerWebhook: pick((s) => s.cpuUsPerWebhook),
    };
  });
  const highestStable = runs.map((run) => run.highestStableRate ?? 0);
  return { rows, highestStableRates: highestStable, highestStableRate: median(highestStable) };
}

/** `kind` 'ack': a server that only acknowledges (no deliveries, no backlog), so only ack columns. */
export function renderSummary(summary, kind = 'e2e') {
  const ms = (value) => formatNumber(value, value < 10 ? 1 : 0);
  const label = (row) => `${row.label}${row.rate === summary.highestStableRate ? ' ← highest stable' : ''}`;
  const table =
    kind === 'ack'
      ? renderTable(
          [
            'rate req/s',
            'sent',
            'acked 200',
            'ack p50 ms',
            'ack p99 ms',
            'ack max ms',
            'CPU µs/webhook',
            'stable',
          ],
          summary.rows.map((row) => [
            label(row),
            formatNumber(row.sent),
            formatNumber(row.acked),
            ms(row.ackP50Ms),
            ms(row.ackP99Ms),
            ms(row.e2eMaxMs),
            formatNumber(row.cpuUsPerWebhook),
            `${row.stableRuns}/${row.runs}`,
          ]),
        )
      : renderTable(
          [
            'rate req/s',
            'sent',
            'acked 200',
            'delivered ≤grace',
            'e2e p50 ms',
            'e2e p99 ms',
            'e2e max ms',
            'ack p50 ms',
            'ack p99 ms',
            'backlog at end',
            'CPU µs/webhook',
            'stable',
          ],
          summary.rows.map((row) => [
            label(row),
            formatNumber(row.sent),
            formatNumber(row.acked),
            formatNumber(row.deliveredInGrace),
            ms(row.e2eP50Ms),
            ms(row.e2eP99Ms),
            ms(row.e2eMaxMs),
            ms(row.ackP50Ms),
            ms(row.ackP99Ms),
            formatNumber(row.backlogAtSendEnd),
            formatNumber(row.cpuUsPerWebhook),
            `${row.stableRuns}/${row.runs}`,
          ]),
        );
  return `${table}\n\nhighest stable rate: ${formatNumber(summary.highestStableRate)} req/s (runs: ${summary.highestStableRates.join(', ')})`;
}
