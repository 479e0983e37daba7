import { signMetaBody } from '../receive/signature.js';
import { describeOutcome, type HttpSession } from './http-client.js';
import type { DoctorSettings } from './options.js';
import { createStatusBody, type PayloadRun } from './payloads.js';
import { ACK_FIRST_FIX, isAccepted, postWebhook } from './signed-post.js';
import { type CheckMeta, type CheckResult, fail, pass, skip, warn } from './types.js';

export const LATENCY_CHECK: CheckMeta = { id: 'latency', title: 'Median answer time within budget' };

const SLOW_FIX =
  `${ACK_FIRST_FIX} Meta asks for a median of 250 ms or less and under 1 % of answers above 1 s; ` +
  'slow endpoints fall into backoff, which delays every later event. The figure includes the network ' +
  'round trip from this machine.';

/**
 * Times several signed status updates on the kept-alive connection. Status updates, not messages,
 * because they are most of what Meta sends and they trigger no replies in a real system.
 */
export async function checkLatency(
  session: HttpSession,
  settings: DoctorSettings,
  run: PayloadRun,
  signedPost: CheckResult,
): Promise<CheckResult> {
  if (settings.appSecret === undefined) return skip(LATENCY_CHECK, 'no app secret configured');
  if (signedPost.status === 'fail') return skip(LATENCY_CHECK, 'the signed test message was not accepted');
  const timings: number[] = [];
  for (let sample = 1; sample <= settings.latencySamples; sample += 1) {
    const body = createStatusBody(run, `latency-${sample}`);
    const outcome = await postWebhook(
      session,
      body,
      signMetaBody(body, settings.appSecret),
      settings.ackBudgetMs,
    );
    if (!isAccepted(outcome)) {
      return fail(
        LATENCY_CHECK,
        `sample ${sample} of ${settings.latencySamples} was not accepted (${describeOutcome(outcome)})`,
        `${ACK_FIRST_FIX} Check the server log for this request.`,
      );
    }
    timings.push(outcome.elapsedMs);
  }
  return judgeTimings(timings, settings.latencyBudgetMs);
}

function judgeTimings(timings: readonly number[], budgetMs: number): CheckResult {
  const medianMs = median(timings);
  const slowest = Math.max(...timings);
  const detail = `median ${medianMs} ms over ${timings.length} signed POSTs (slowest ${slowest} ms; budget ${budgetMs} ms)`;
  if (medianMs > budgetMs) return warn(LATENCY_CHECK, `${detail}: slower than Meta asks`, SLOW_FIX);
  if (slowest > 1_000) return warn(LATENCY_CHECK, `${detail}: at least one answer took over 1 s`, SLOW_FIX);
  return pass(LATENCY_CHECK, detail);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : Math.round(((sorted[middle - 1] ?? upper) + upper) / 2);
}
