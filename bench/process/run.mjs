#!/usr/bin/env node
/**
 * Processing benchmark: how many inbox rows and events per second the worker turns into events,
 * message records and outbox rows on SQLite, for a realistic mix (see workload.mjs), and whether
 * that keeps up with the receiver's sustained ingest rate (ratio ≥ 1.0 is the target).
 *
 *   npm run bench:process -- [--rows 20000] [--runs 3] [--batch-size 200] [--seed 42]
 *                            [--subscriptions 1] [--ingest-rps N] [--profile]
 *                            [--compare <other build folder>] [--max-foreign 0.25]
 *                            [--quiet-wait 60] [--strict]
 *
 * Each run preloads a fresh SQLite file (not timed), then times the worker draining it. Medians
 * over the runs are printed and written to bench/results/process-<time>.json. --profile records
 * a CPU profile of one more drain and prints where the time went. --compare alternates runs of
 * dist/ with runs of another build (e.g. the code before a change, built with
 * `npx tsc -p tsconfig.build.json --outDir <folder>` from a copy of the tree) for before/after
 * figures measured under the same conditions.
 *
 * The machine may be shared: each run first waits (up to --quiet-wait s) for other processes to
 * use at most --max-foreign cores; runs that still shared it are flagged and left out of the
 * medians when any quiet run exists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { foreignCores, readLoad, waitForQuiet } from '../lib/machine-load.mjs';
import { formatNumber } from '../lib/stats.mjs';
import { drain, loadBuild, preload, tempDatabase } from './drain.mjs';
import { latestIngestRate } from './ingest-rate.mjs';
import { profileDrain } from './profile.mjs';
import { printComparison, printSummary, summarize } from './report.mjs';
import { buildWorkload } from './workload.mjs';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    'batch-size': { type: 'string' },
    seed: { type: 'string', default: '42' },
    subscriptions: { type: 'string', default: '1' },
    'ingest-rps': { type: 'string' },
    profile: { type: 'boolean', default: false },
    compare: { type: 'string' },
    'max-foreign': { type: 'string', default: '0.25' },
    'quiet-wait': { type: 'string', default: '60' },
    strict: { type: 'boolean', default: false },
  },
});
const runs = Number(opts.runs);
const batchSize = opts['batch-size'] ? Number(opts['batch-size']) : undefined;
const subscriptions = Number(opts.subscriptions);
const maxForeign = Number(opts['max-foreign']);
const quietWaitMs = Number(opts['quiet-wait']) * 1000;

const log = (line) => process.stderr.write(`${line}\n`);
const workload = buildWorkload(Number(opts.rows), { seed: Number(opts.seed) });
const w = workload.stats;
log(
  `process benchmark: ${runs} run(s) × ${w.rows} rows (${w.statusBodies} status bodies with ` +
    `${w.statusUpdates} updates, ${w.inbound} inbound, ${w.duplicates} duplicate bodies; ` +
    `mean ${w.meanBytes} bytes), batch size ${batchSize ?? 'default'}, ${subscriptions} subscription(s) to *`,
);

const builds = [await loadBuild()];
if (opts.compare) builds.push(await loadBuild(opts.compare));

async function measureOnce(build, run) {
  const db = tempDatabase();
  try {
    await preload(build, db.path, workload.bodies, { subscriptions });
    await waitForQuiet([], maxForeign, quietWaitMs);
    const before = readLoad([]);
    const m = await drain(build, db.path, w.rows, { batchSize });
    const foreign = foreignCores(before, readLoad([]));
    const measured = { build: build.folder, run, ...m, foreignCores: foreign, noisy: foreign > maxForeign };
    log(
      `  run ${run}${builds.length > 1 ? ` ${build.folder}` : ''}: ${formatNumber(m.rowsPerSec)} rows/s, ` +
        `${formatNumber(m.eventsPerSec)} events/s (${m.events} events, ${m.deliveries} deliveries, ` +
        `${m.seconds.toFixed(2)} s, ${m.cpuSeconds.toFixed(2)} s CPU); ` +
        `other processes ${foreign.toFixed(2)} cores${measured.noisy ? ' (noisy)' : ''}`,
    );
    if (m.quarantined > 0 || m.failures > 0) {
      log(
        `  ${m.quarantined} quarantined rows, ${m.failures} failed batches: the workload or the code is wrong`,
      );
      process.exitCode = 1;
    }
    return measured;
  } finally {
    db.remove();
  }
}

const measurements = [];
for (let run = 1; run <= runs; run++) {
  // Alternating which build goes first spreads slow phases of a shared machine over both.
  const order = run % 2 === 1 ? builds : [...builds].reverse();
  for (const build of order) measurements.push(await measureOnce(build, run));
}

const ingest = opts['ingest-rps']
  ? { requestsPerSec: Number(opts['ingest-rps']), source: '--ingest-rps' }
  : latestIngestRate();
const summaries = builds.map((build) =>
  summarize(
    measurements.filter((m) => m.build === build.folder),
    w.rows,
    ingest,
  ),
);
printSummary(summaries[0], { runs, rows: w.rows, ingest, maxForeign });
if (summaries.length > 1) printComparison(builds, summaries);

let profile;
if (opts.profile) {
  const db = tempDatabase();
  try {
    await preload(builds[0], db.path, workload.bodies, { subscriptions });
    profile = await profileDrain(builds[0], db.path, w.rows, { batchSize });
  } finally {
    db.remove();
  }
}

const resultsDir = new URL('../results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const file = new URL(`process-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, kernel: release() },
      options: { runs, batchSize: batchSize ?? null, seed: Number(opts.seed), subscriptions },
      workload: w,
      ingest,
      summary: summaries[0],
      ...(summaries.length > 1 ? { compared: { folder: builds[1].folder, summary: summaries[1] } } : {}),
      measurements,
      ...(profile ? { profile } : {}),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nresults: ${file.pathname}`);
if (opts.strict && !summaries[0].targetMet) process.exitCode = 1;
