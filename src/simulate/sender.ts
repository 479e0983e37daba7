import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PlannedDelivery } from './delivery-plan.js';
import { type AttemptResult, createAgent, postOnce } from './http-post.js';
import { signMeta } from './meta-json.js';
import { createRandom } from './random.js';
import { retryDelayMs, retryWindowMs } from './retry-schedule.js';
import { createSlots, type Slots } from './slots.js';

/**
 * Sends planned POSTs the way Meta delivers webhooks: signed with `X-Hub-Signature-256` over the
 * exact bytes, several at once, each retried on its own (so a retried POST lands after later ones)
 * until it gets a 200 or its retries run out. Work is bounded twice: by `maxRetries` per POST and by
 * `maxDurationMs` for the whole run; after that, POSTs not yet started are recorded as not sent and
 * pending retries as given up. Every outcome is recorded, none is thrown.
 */
export interface SenderOptions {
  readonly url: string;
  readonly secret: string;
  /** Extra headers on every POST, e.g. a BSP's secret header. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Compresses Meta's retry schedule; 1 is real time. */
  readonly timeScale: number;
  /** Each POST waits a random 0..jitterMs before it goes out. */
  readonly jitterMs: number;
  readonly maxDurationMs: number;
  readonly seed: string;
  readonly onProgress?: (progress: SendProgress) => void;
  /** Aborting stops the run as the deadline does (e.g. on SIGINT). */
  readonly signal?: AbortSignal;
}

export type GiveUpReason = 'max_retries' | 'retry_window' | 'deadline' | 'stopped';

export interface DeliveryRecord {
  readonly index: number;
  readonly batch: number;
  readonly duplicate: boolean;
  readonly itemCount: number;
  attempts: number;
  outcome: 'acknowledged' | 'gave_up' | 'not_sent';
  reason: GiveUpReason | null;
  lastAttempt: AttemptResult | null;
  /** Latency of the attempt that got the 200. */
  ackLatencyMs: number | null;
}

export interface SendProgress {
  readonly total: number;
  readonly finished: number;
  readonly acknowledged: number;
  readonly retrying: number;
  readonly requests: number;
}

interface Run {
  readonly options: SenderOptions;
  readonly slots: Slots;
  readonly send: (body: Buffer, signature: string) => Promise<AttemptResult>;
  readonly jitter: () => number;
  readonly stop: AbortSignal;
  readonly stopReason: () => GiveUpReason;
  readonly progress: { finished: number; acknowledged: number; retrying: number; requests: number };
  readonly report: () => void;
}

/** Sleeps unless the run stops first; answers whether the full time passed. */
async function waitUnlessStopped(ms: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal: stop });
    return true;
  } catch (err) {
    if (stop.aborted) return false;
    throw err;
  }
}

async function attempt(run: Run, record: DeliveryRecord, body: Buffer, signature: string): Promise<boolean> {
  await run.slots.acquire();
  try {
    if (!(await waitUnlessStopped(run.jitter(), run.stop))) return false;
    record.attempts++;
    run.progress.requests++;
    record.lastAttempt = await run.send(body, signature);
  } finally {
    run.slots.release();
  }
  const ok = record.lastAttempt.kind === 'answered' && record.lastAttempt.status === 200;
  if (ok) record.ackLatencyMs = record.lastAttempt.latencyMs;
  return ok;
}

function finish(
  run: Run,
  record: DeliveryRecord,
  outcome: DeliveryRecord['outcome'],
  reason: GiveUpReason | null,
) {
  record.outcome = outcome;
  record.reason = reason;
  run.progress.finished++;
  if (outcome === 'acknowledged') run.progress.acknowledged++;
  run.report();
}

async function deliver(run: Run, delivery: PlannedDelivery, record: DeliveryRecord): Promise<void> {
  const signature = signMeta(delivery.body, run.options.secret);
  const firstAttemptAt = Date.now();
  for (let retry = 0; ; retry++) {
    if (retry > 0) {
      const delay = retryDelayMs(retry, run.options.timeScale);
      if (retry > run.options.maxRetries) return finish(run, record, 'gave_up', 'max_retries');
      if (Date.now() + delay - firstAttemptAt > retryWindowMs(run.options.timeScale)) {
        return finish(run, record, 'gave_up', 'retry_window');
      }
      run.progress.retrying++;
      run.report();
      const waited = await waitUnlessStopped(delay, run.stop);
      run.progress.retrying--;
      if (!waited) return finish(run, record, 'gave_up', run.stopReason());
    }
    if (await attempt(run, record, delivery.body, signature))
      return finish(run, record, 'acknowledged', null);
    if (run.stop.aborted) {
      return finish(run, record, record.attempts === 0 ? 'not_sent' : 'gave_up', run.stopReason());
    }
  }
}

function newRecord(delivery: PlannedDelivery): DeliveryRecord {
  return {
    index: delivery.index,
    batch: delivery.batch,
    duplicate: delivery.duplicate,
    itemCount: delivery.itemCount,
    attempts: 0,
    outcome: 'not_sent',
    reason: null,
    lastAttempt: null,
    ackLatencyMs: null,
  };
}

function createRun(
  total: number,
  options: SenderOptions,
  agent: http.Agent,
  stop: AbortController,
  deadline: AbortSignal,
): Run {
  const url = new URL(options.url);
  const random = createRandom(options.seed).fork('jitter');
  const progress = { finished: 0, acknowledged: 0, retrying: 0, requests: 0 };
  return {
    options,
    slots: createSlots(options.concurrency),
    send: (body, signature) =>
      postOnce({
        url,
        body,
        agent,
        timeoutMs: options.timeoutMs,
        headers: {
          'Content-Type': 'application/json',
          'X-Hub-Signature-256': signature,
          ...options.headers,
        },
      }),
    jitter: () => (options.jitterMs > 0 ? random.int(0, options.jitterMs) : 0),
    stop: stop.signal,
    stopReason: () => (deadline.aborted ? 'deadline' : 'stopped'),
    progress,
    report: () => options.onProgress?.({ total, ...progress }),
  };
}

export async function sendDeliveries(
  deliveries: readonly PlannedDelivery[],
  options: SenderOptions,
): Promise<DeliveryRecord[]> {
  const deadline = AbortSignal.timeout(options.maxDurationMs);
  const stop = new AbortController();
  const stopRun = () => stop.abort();
  deadline.addEventListener('abort', stopRun);
  options.signal?.addEventListener('abort', stopRun);
  if (options.signal?.aborted) stop.abort();
  const agent = createAgent(new URL(options.url), options.concurrency);
  const run = createRun(deliveries.length, options, agent, stop, deadline);
  const records = deliveries.map(newRecord);
  const pending: Promise<void>[] = [];
  try {
    for (const [position, delivery] of deliveries.entries()) {
      const record = records[position] as DeliveryRecord;
      if (stop.signal.aborted) {
        finish(run, record, 'not_sent', run.stopReason());
        continue;
      }
      pending.push(deliver(run, delivery, record));
      // Start POSTs in plan order: wait until the pool could take the next one.
      await run.slots.acquire();
      run.slots.release();
    }
    await Promise.all(pending);
  } finally {
    agent.destroy();
    deadline.removeEventListener('abort', stopRun);
    options.signal?.removeEventListener('abort', stopRun);
  }
  return records;
}
