import { setTimeout as sleep } from 'node:timers/promises';
import { foreignCores, readLoad } from '../lib/machine-load.mjs';
import { buildWebhooks, sendOpenLoop } from './open-loop.mjs';
import { percentile } from './percentile.mjs';
import { SECRETS } from './wahook.mjs';

/**
 * One rate for one duration through the whole pipeline, then: wait up to `graceSec` after the last
 * send for every event to reach the subscriber, and up to `drainSec` more for the backlog
 * (`/v1/stats`: inbox and deliveries pending) to reach 0, so the next step starts from empty.
 *
 * Stable means: every POST answered 200, every event delivered within the grace, the backlog back
 * to 0, and the end-to-end p99 of the last second no worse than max(2 × the first second's, 250 ms):
 * a queue that grows for the whole step is not a rate the pipeline sustains. For a server that only
 * acknowledges (runAckStep), the 200 is the delivery, and its p99 must also stay within 250 ms.
 */
export async function runStep({
  wahook,
  subscriber,
  label,
  attempt = 1,
  rate,
  durationSec,
  graceSec,
  drainSec,
}) {
  const count = Math.round(rate * durationSec);
  const webhooks = buildWebhooks(SECRETS.appSecret, `${label}#${attempt}`, count);
  const loadBefore = readLoad(wahook.pids, wahook.cpuSeconds);
  let sentAt = 0;
  let backlogAtSendEnd;
  const records = await sendOpenLoop({
    urls: wahook.webhookUrls,
    webhooks,
    rate,
    onAllSent: () => {
      sentAt = performance.now();
      wahook.stats().then(
        (stats) => {
          backlogAtSendEnd = { inbox: stats.inbox.pending, deliveries: stats.deliveries.pending };
        },
        () => undefined,
      );
    },
  });
  const deliveredInGrace = await waitForDeliveries(subscriber, records, sentAt + graceSec * 1000);
  const foreign = foreignCores(loadBefore, readLoad(wahook.pids, wahook.cpuSeconds));
  const drain = await waitForEmptyBacklog(wahook, drainSec);
  const loadAfter = readLoad(wahook.pids, wahook.cpuSeconds);
  const summary = summarizeRecords(records, subscriber.receivedAt, sentAt, graceSec);
  return {
    label,
    attempt,
    rate,
    durationSec,
    ...summary,
    deliveredInGrace,
    deliveredAfterGrace: summary.delivered - deliveredInGrace,
    backlogAtSendEnd,
    backlogDrained: drain.drained,
    drainMs: drain.ms,
    foreignCores: foreign,
    cpuUsPerWebhook: cpuUsPer(loadBefore, loadAfter, count),
  };
}

/**
 * CPU the server's processes (all their threads, and the database server when it is PostgreSQL) spent per webhook over the step and its drain: unlike
 * a rate, it hardly moves when other processes take the cores, so it compares builds on a busy machine.
 */
function cpuUsPer(before, after, count) {
  if (!before || !after || count === 0) return Number.NaN;
  return ((after.servers - before.servers) / count) * 1e6;
}

/**
 * The ceiling for the same sender: one rate against a server that only acknowledges (the no-op
 * Fastify of bench:ingest), judged by the same rule with the 200 standing in for the delivery.
 */
export async function runAckStep({ server, label, attempt = 1, rate, durationSec }) {
  const count = Math.round(rate * durationSec);
  const webhooks = buildWebhooks(SECRETS.appSecret, `${label}#${attempt}`, count);
  const loadBefore = readLoad([server.pid]);
  let sentAt = 0;
  const records = await sendOpenLoop({
    urls: [server.url],
    webhooks,
    rate,
    onAllSent: () => {
      sentAt = performance.now();
    },
  });
  const loadAfter = readLoad([server.pid]);
  const foreign = foreignCores(loadBefore, loadAfter);
  const ackedAt = new Map();
  for (const record of records) if (record.status === 200) ackedAt.set(record.wamid, record.ackedAt);
  const summary = summarizeRecords(records, ackedAt, sentAt, 0);
  return {
    label,
    attempt,
    rate,
    durationSec,
    ...summary,
    ackOnly: true,
    deliveredInGrace: summary.delivered,
    deliveredAfterGrace: 0,
    backlogDrained: true,
    drainMs: 0,
    foreignCores: foreign,
    cpuUsPerWebhook: cpuUsPer(loadBefore, loadAfter, count),
  };
}

async function waitForDeliveries(subscriber, records, deadline) {
  const count = () => records.filter((record) => subscriber.receivedAt.has(record.wamid)).length;
  for (;;) {
    const delivered = count();
    if (delivered === records.length || performance.now() >= deadline) return delivered;
    await sleep(50);
  }
}

async function waitForEmptyBacklog(wahook, drainSec) {
  const start = performance.now();
  for (;;) {
    const stats = await wahook.stats();
    const drained = stats.inbox.pending === 0 && stats.deliveries.pending === 0;
    const ms = performance.now() - start;
    if (drained || ms >= drainSec * 1000) return { drained, ms };
    await sleep(100);
  }
}

function summarizeRecords(records, receivedAt, sentAt, graceSec) {
  const acked = records.filter((record) => record.status === 200);
  const endToEnd = [];
  const firstSecond = [];
  const lastSecond = [];
  const firstDue = records[0]?.dueAt ?? 0;
  const lastDue = records.at(-1)?.dueAt ?? 0;
  for (const record of records) {
    const at = receivedAt.get(record.wamid);
    if (at === undefined) continue;
    const ms = at - record.dueAt;
    endToEnd.push(ms);
    if (record.dueAt < firstDue + 1000) firstSecond.push(ms);
    if (record.dueAt > lastDue - 1000) lastSecond.push(ms);
  }
  const ackMs = acked.map((record) => record.ackedAt - record.dueAt);
  const lagMs = records.map((record) => record.startedAt - record.dueAt);
  const errors = records.filter((record) => record.error !== undefined);
  return {
    sent: records.length,
    acked: acked.length,
    non200: records.length - acked.length - errors.length,
    errors: errors.length,
    firstError: errors[0]?.error,
    delivered: endToEnd.length,
    e2eMs: latencySummary(endToEnd),
    e2eP99FirstSecondMs: percentile(firstSecond, 0.99),
    e2eP99LastSecondMs: percentile(lastSecond, 0.99),
    ackMs: latencySummary(ackMs),
    senderLagP99Ms: percentile(lagMs, 0.99),
    sendSeconds: (sentAt - firstDue) / 1000,
    graceSec,
  };
}

function latencySummary(values) {
  return { p50: percentile(values, 0.5), p99: percentile(values, 0.99), max: percentile(values, 1) };
}

export function isStable(step) {
  const lastOk = !(step.e2eP99LastSecondMs > Math.max(2 * step.e2eP99FirstSecondMs, 250));
  // A server that only acknowledges has nothing to catch up on afterwards: past its limit it is
  // behind from the first second on, which the growth rule alone would not see.
  const ackOk = !step.ackOnly || step.ackMs.p99 <= 250;
  return (
    step.acked === step.sent && step.deliveredInGrace === step.sent && step.backlogDrained && lastOk && ackOk
  );
}
