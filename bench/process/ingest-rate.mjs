import { readdirSync, readFileSync } from 'node:fs';

/**
 * The sustained ingest rate to compare processing with: the highest median requests/s that the
 * newest ingest benchmark measured for wahook at any concurrency (bench/results/ingest-*.json,
 * written by `npm run bench:ingest`). Each accepted request is one inbox row, so rows/s processed
 * over this rate says whether the worker keeps up with the receiver at its best. `database`
 * 'postgres' reads the rate of wahook on PostgreSQL (ingest --database postgres|both) instead.
 */
const resultsDir = new URL('../results/', import.meta.url);

export function latestIngestRate(database = 'sqlite') {
  const kind = database === 'postgres' ? 'postgres' : 'wahook';
  let files;
  try {
    files = readdirSync(resultsDir).filter((name) => /^ingest-.*\.json$/.test(name));
  } catch {
    return null;
  }
  // The names carry an ISO timestamp, so the last in sort order is the newest.
  for (const name of files.sort().reverse()) {
    try {
      const result = JSON.parse(readFileSync(new URL(name, resultsDir), 'utf8'));
      const best = (result.summary ?? [])
        // `servers.wahook` since the ingest report measured several servers; `wahook` before that.
        .map((row) => ({
          connections: row.connections,
          rps: (row.servers?.[kind] ?? (kind === 'wahook' ? row.wahook : undefined))?.requestsPerSec,
        }))
        .filter((row) => Number.isFinite(row.rps))
        .sort((a, b) => b.rps - a.rps)[0];
      if (best)
        return { requestsPerSec: best.rps, source: `bench/results/${name} @${best.connections} connections` };
    } catch {
      // A file being written right now, or from an older format: try the one before it.
    }
  }
  return null;
}
