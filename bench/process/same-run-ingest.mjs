import { measure } from '../ingest/measure.mjs';
import { SECRETS, startWahook } from '../ingest/servers.mjs';
import { waitForQuiet } from '../lib/machine-load.mjs';
import { signedStatusWebhook } from '../lib/payload.mjs';
import { median } from '../lib/stats.mjs';

/**
 * The ingest rate measured inside bench:process, between its drains, the way `npm run bench:ingest`
 * measures wahook (a receiver-only `wahook serve` on SQLite, autocannon in its own process, the
 * same signed 1.5 KB status webhook, warm-up first) but at one fixed concurrency and without its
 * retries of noisy measurements. A machine whose speed drifts by a fifth within minutes makes a
 * ratio against another day's ingest result mean little; measured in the same run, each drain has
 * an ingest figure taken under the same conditions beside it.
 *
 * Each measurement starts a fresh receiver, so the inbox never grows past one measurement's rows.
 */
export async function measureIngestOnce({
  connections,
  durationSec,
  warmupSec,
  maxForeign,
  quietWaitMs,
  dist,
}) {
  const webhook = signedStatusWebhook(SECRETS.appSecret);
  const server = await startWahook(dist ? { dist } : {});
  try {
    await waitForQuiet([server.pid], maxForeign, quietWaitMs);
    return await measure(server, { connections, durationSec, warmupSec, webhook, serverPids: [server.pid] });
  } finally {
    await server.stop();
  }
}

/** Measurements taken while other processes were busy say more about them: left out when any quiet one exists. */
function quietOrAll(measurements) {
  const quiet = measurements.filter((m) => !m.noisy);
  return quiet.length > 0 ? quiet : measurements;
}

/** The rate to divide by: the median of the run's ingest measurements, with where it came from. */
export function sameRunIngestRate(measurements, { connections, durationSec }) {
  if (measurements.length === 0) return null;
  const counted = quietOrAll(measurements);
  const rates = counted.map((m) => m.requestsPerSec);
  const low = Math.round(Math.min(...rates));
  const high = Math.round(Math.max(...rates));
  return {
    requestsPerSec: median(rates),
    source:
      `this run: median of ${counted.length} ${counted.length < measurements.length ? 'quiet ' : ''}` +
      `receiver measurement(s) of ${durationSec} s at ` +
      `${connections} connections, alternated with the drains (range ${low}–${high} req/s)`,
  };
}

/**
 * Each run's drain divided by the ingest rate measured next to it, then the median: a slow or fast
 * phase of the machine then moves both sides of a ratio instead of one.
 */
export function pairedRatio(drains, ingests) {
  const byRun = new Map(ingests.map((m) => [m.run, m]));
  const pairs = drains
    .filter((d) => byRun.has(d.run))
    .map((d) => ({
      ratio: d.rowsPerSec / byRun.get(d.run).requestsPerSec,
      noisy: d.noisy || byRun.get(d.run).noisy,
    }));
  const counted = quietOrAll(pairs);
  return counted.length > 0 ? { median: median(counted.map((p) => p.ratio)), count: counted.length } : null;
}
