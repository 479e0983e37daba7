import { runAutocannon } from '../lib/autocannon.mjs';
import { foreignCores, readLoad } from '../lib/machine-load.mjs';
import { cpuBetween, readThreadCpu } from '../lib/proc-cpu.mjs';
import { histogramMeanBetween } from '../lib/stats.mjs';

/**
 * One measurement of one server at one concurrency: a warm-up (discarded), then the measured run.
 * For wahook it also reads the group-commit histograms around the measured run, and checks the
 * durability bookkeeping: every 2xx autocannon counted (warm-up included) is an inbox row.
 */
export async function measure(
  server,
  { connections, durationSec, warmupSec, webhook, serverPids, extraCpuSeconds },
) {
  const load = (seconds) =>
    runAutocannon({
      url: server.url,
      connections,
      durationSec: seconds,
      method: 'POST',
      headers: webhook.headers,
      body: webhook.body,
    });

  const rowsBefore = server.inboxTotal ? await server.inboxTotal() : 0;
  const warmup = warmupSec > 0 ? await load(warmupSec) : undefined;
  const metricsBefore = server.metrics ? await server.metrics() : '';
  const cpuBefore = readThreadCpu(server.pid);
  const loadBefore = readLoad(serverPids, extraCpuSeconds);
  const result = await load(durationSec);
  const foreign = foreignCores(loadBefore, readLoad(serverPids, extraCpuSeconds));
  const cpu = cpuBetween(cpuBefore, readThreadCpu(server.pid));

  const failures = [warmup, result].filter((r) => r && (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0));
  if (failures.length > 0) {
    const f = failures[0];
    throw new Error(
      `${server.name} at ${connections} connections: ${f.non2xx} non-2xx answers, ${f.errors} errors, ` +
        `${f.timeouts} timeouts (every request must be answered 2xx; see the server output below)\n` +
        server.output(),
    );
  }

  const measured = {
    server: server.kind,
    connections,
    requestsPerSec: result.requestsPerSec,
    p50Ms: result.latencyMs.p50,
    p99Ms: result.latencyMs.p99,
    maxMs: result.latencyMs.max,
    ok2xx: result.ok2xx,
    non2xx: result.non2xx,
    cpuUsPerRequest: cpuPerRequest(cpu, result.ok2xx),
    foreignCores: foreign,
  };
  if (!server.metrics) return measured;

  const metricsAfter = await server.metrics();
  const rowsAfter = await server.inboxTotal();
  const answered = result.ok2xx + (warmup?.ok2xx ?? 0);
  const stored = rowsAfter - rowsBefore;
  if (stored < answered) {
    throw new Error(
      `durability bookkeeping failed: autocannon counted ${answered} 2xx answers but only ${stored} inbox rows were added`,
    );
  }
  const batch = histogramMeanBetween(metricsBefore, metricsAfter, 'wahook_inbox_commit_batch_size');
  const commit = histogramMeanBetween(metricsBefore, metricsAfter, 'wahook_inbox_commit_seconds');
  const ack = histogramMeanBetween(metricsBefore, metricsAfter, 'wahook_webhook_ack_seconds');
  return {
    ...measured,
    commits: batch.count,
    meanBatchRows: batch.mean,
    meanCommitMs: commit.mean * 1000,
    meanAckMs: ack.mean * 1000,
    rowsStored: stored,
    answered2xx: answered,
  };
}

/** CPU microseconds per answered request, per thread name, plus the total. */
function cpuPerRequest(cpu, requests) {
  if (!cpu || requests === 0) return null;
  const out = {};
  let total = 0;
  for (const [name, seconds] of Object.entries(cpu)) {
    out[name] = (out[name] ?? 0) + (seconds * 1e6) / requests;
    total += seconds;
  }
  out.total = (total * 1e6) / requests;
  return out;
}
