import type { AttemptResult } from './http-post.js';
import type { DeliveryRecord } from './sender.js';
import type { VerifyReport } from './verify.js';

/**
 * The outcome of a simulation in numbers, for people (`formatSummary`) and machines (`--json`).
 * `ok` is the exit decision: every POST acknowledged and, when asked, every wamid verified.
 */
export interface SimulationSummary {
  readonly seed: string;
  readonly url: string;
  /** POSTs planned, duplicates included. */
  readonly posts: number;
  /** HTTP requests made, retries included. */
  readonly requests: number;
  /** Messages and status updates carried, counted once. */
  readonly items: number;
  readonly acknowledged: number;
  /** POSTs that needed more than one attempt. */
  readonly retried: number;
  /** POSTs that were tried and never acknowledged. */
  readonly failed: number;
  readonly notSent: number;
  readonly duplicatesSent: number;
  readonly reordered: number;
  readonly latencyMs: {
    readonly p50: number | null;
    readonly p99: number | null;
    readonly max: number | null;
  };
  readonly failures: readonly FailureLine[];
  readonly verification: VerifyReport | null;
  readonly ok: boolean;
}

export interface FailureLine {
  readonly post: number;
  readonly attempts: number;
  readonly reason: string;
  readonly last: string;
}

const FAILURES_SHOWN = 10;

/** Nearest-rank percentile; null for no values. */
export function percentile(values: readonly number[], fraction: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? null;
}

export function describeAttempt(result: AttemptResult | null): string {
  if (result === null) return 'never sent';
  if (result.kind === 'answered') return `HTTP ${result.status}`;
  if (result.kind === 'timeout') return 'timed out';
  return `connection error (${result.message})`;
}

export function summarize(input: {
  seed: string;
  url: string;
  records: readonly DeliveryRecord[];
  reordered: number;
  verification: VerifyReport | null;
}): SimulationSummary {
  const { records } = input;
  const latencies = records.flatMap((record) => (record.ackLatencyMs === null ? [] : [record.ackLatencyMs]));
  const unacknowledged = records.filter((record) => record.outcome !== 'acknowledged');
  const acknowledged = records.length - unacknowledged.length;
  const round = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    seed: input.seed,
    url: input.url,
    posts: records.length,
    requests: records.reduce((sum, record) => sum + record.attempts, 0),
    items: records.reduce((sum, record) => sum + (record.duplicate ? 0 : record.itemCount), 0),
    acknowledged,
    retried: records.filter((record) => record.attempts > 1).length,
    failed: records.filter((record) => record.outcome === 'gave_up').length,
    notSent: records.filter((record) => record.outcome === 'not_sent').length,
    duplicatesSent: records.filter((record) => record.duplicate && record.attempts > 0).length,
    reordered: input.reordered,
    latencyMs: {
      p50: round(percentile(latencies, 0.5)),
      p99: round(percentile(latencies, 0.99)),
      max: round(percentile(latencies, 1)),
    },
    failures: unacknowledged.slice(0, FAILURES_SHOWN).map((record) => ({
      post: record.index,
      attempts: record.attempts,
      reason: record.reason ?? record.outcome,
      last: describeAttempt(record.lastAttempt),
    })),
    verification: input.verification,
    ok: unacknowledged.length === 0 && (input.verification?.mismatches.length ?? 0) === 0,
  };
}

function formatVerification(verification: VerifyReport | null): string[] {
  if (verification === null) return ['verification  not asked (use --verify-url)'];
  const lines = [
    `verification  ${verification.matched}/${verification.checked} wamids in the expected state`,
  ];
  for (const mismatch of verification.mismatches.slice(0, FAILURES_SHOWN)) {
    const actual =
      mismatch.actual === null
        ? 'unknown to the server (404)'
        : `${mismatch.actual.direction} ${mismatch.actual.status}`;
    lines.push(
      `  ${mismatch.wamid}: expected ${mismatch.expected.direction} ${mismatch.expected.status}, got ${actual}`,
    );
  }
  if (verification.mismatches.length > FAILURES_SHOWN) {
    lines.push(`  … and ${verification.mismatches.length - FAILURES_SHOWN} more`);
  }
  return lines;
}

export function formatSummary(summary: SimulationSummary): string[] {
  const ms = (value: number | null) => (value === null ? '-' : `${value} ms`);
  const lines = [
    `seed          ${summary.seed}  (repeat this run with --seed ${summary.seed})`,
    `POSTs         ${summary.posts} (${summary.requests} requests), ${summary.items} items`,
    `acknowledged  ${summary.acknowledged}`,
    `retried       ${summary.retried}`,
    `failed        ${summary.failed}${summary.notSent > 0 ? `, not sent ${summary.notSent}` : ''}`,
    `duplicates    ${summary.duplicatesSent} sent`,
    `reordered     ${summary.reordered} POSTs held back behind later ones`,
    `latency       p50 ${ms(summary.latencyMs.p50)}, p99 ${ms(summary.latencyMs.p99)}`,
  ];
  for (const failure of summary.failures) {
    lines.push(
      `  POST #${failure.post}: ${failure.reason} after ${failure.attempts} attempts, last ${failure.last}`,
    );
  }
  lines.push(...formatVerification(summary.verification));
  lines.push(summary.ok ? 'result        ok' : 'result        FAILED');
  return lines;
}
