#!/usr/bin/env node
/**
 * Processing benchmark: how many inbox rows and events per second the worker turns into events,
 * message records and outbox rows on SQLite, for a realistic mix (see workload.mjs), and whether
 * that keeps up with the receiver's sustained ingest rate (ratio ≥ 1.0 is the target).
 *
 *   npm run bench:process -- [--rows 20000] [--runs 3] [--warmup-rows 5000] [--batch-size 200]
 *                            [--seed 42] [--subscriptions 1] [--profile]
 *                            [--ingest-seconds 10] [--ingest-warmup 3] [--ingest-connections 200]
 *                            [--ingest-rps N] [--compare <other build folder>] [--max-foreign 0.25]
 *                            [--quiet-wait 60] [--database sqlite|postgres|both] [--strict]
 *
 * The ingest rate the ratio divides by is measured in the same run: before each run's drains, a
 * receiver-only wahook takes --ingest-seconds of signed webhooks at --ingest-connections (what
 * bench:ingest measures; see same-run-ingest.mjs). The ratio of the medians is printed, and the
 * median of each run's drain over the ingest figure measured beside it. The receiver is dist/'s
 * also with --compare, so both builds' ratios divide by the same rate. --ingest-seconds 0 or
 * --ingest-rps N skips the measurement and divides by that rate or by the newest bench:ingest
 * result instead (the only source for PostgreSQL).
 *
 * Each build first drains --warmup-rows rows of the workload untimed: a worker runs for days, so
 * the rate to compare with the receiver's (whose benchmark warms up too) is the one with compiled
 * code, not the first seconds' (a cold first drain measured about a fifth slower). Each run
 * preloads a fresh SQLite file (not timed), then times the worker draining it. Medians
 * over the runs are printed and written to bench/results/process-<time>.json. --profile records
 * a CPU profile of one more drain and prints where the time went. --compare alternates runs of
 * dist/ with runs of another build (e.g. the code before a change, built with
 * `npx tsc -p tsconfig.build.json --outDir <folder>` from a copy of the tree) for before/after
 * figures measured under the same conditions.
 *
 * --database postgres preloads and drains a fresh schema of WAHOOK_BENCH_DATABASE_URL (default the
 * local test database) per run instead, dropped afterwards; `both` alternates SQLite and
 * PostgreSQL runs and prints PostgreSQL/SQLite. CPU per row counts this process only, not the
 * PostgreSQL server's work.
 *
 * The machine may be shared: each run first waits (up to --quiet-wait s) for other processes to
 * use at most --max-foreign cores; runs that still shared it are flagged and left out of the
 * medians when any quiet run exists.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { foreignCores, readLoad, waitForQuiet } from '../lib/machine-load.mjs';
import { parseDatabases } from '../lib/postgres.mjs';
import { formatNumber } from '../lib/stats.mjs';
import { drain, loadBuild, preload, tempDatabase, tempPostgresDatabase } from './drain.mjs';
import { latestIngestRate } from './ingest-rate.mjs';
import { profileDrain } from './profile.mjs';
import { printComparison, printDatabaseRatio, printSummary, summarize } from './report.mjs';
import { measureIngestOnce, pairedRatio, sameRunIngestRate } from './same-run-ingest.mjs';
import { buildWorkload } from './workload.mjs';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    'warmup-rows': { type: 'string', default: '5000' },
    'batch-size': { type: 'string' },
    seed: { type: 'string', default: '42' },
    subscriptions: { type: 'string', default: '1' },
    'ingest-rps': { type: 'string' },
    'ingest-seconds': { type: 'string', default: '10' },
    'ingest-warmup': { type: 'string', default: '3' },
    'ingest-connections': { type: 'string', default: '200' },
    profile: { type: 'boolean', default: false },
    compare: { type: 'string' },
    'max-foreign': { type: 'string', default: '0.25' },
    'quiet-wait': { type: 'string', default: '60' },
    strict: { type: 'boolean', default: false },
    database: { type: 'string', default: 'sqlite' },
  },
});
const runs = Number(opts.runs);
const batchSize = opts['batch-size'] ? Number(opts['batch-size']) : undefined;
const subscriptions = Number(opts.subscriptions);
const maxForeign = Number(opts['max-foreign']);
const quietWaitMs = Number(opts['quiet-wait']) * 1000;
const databases = parseDatabases(opts.database);
const ingestOptions = {
  connections: Number(opts['ingest-connections']),
  durationSec: Number(opts['ingest-seconds']),
  warmupSec: Number(opts['ingest-warmup']),
  maxForeign,
  quietWaitMs,
};
for (const [name, value] of Object.entries({
  runs,
  'max-foreign': maxForeign,
  'ingest-seconds': ingestOptions.durationSec,
  'ingest-warmup': ingestOptions.warmupSec,
  'ingest-connections': ingestOptions.connections,
})) {
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a number ≥ 0, not ${JSON.stringify(opts[name])}\n`);
    process.exit(2);
  }
}
if (runs < 1 || ingestOptions.connections < 1) {
  process.stderr.write('--runs and --ingest-connections must be at least 1\n');
  process.exit(2);
}
// --ingest-rps names the rate to divide by, so nothing is measured for it.
const ingestInRun = !opts['ingest-rps'] && ingestOptions.durationSec > 0 && databases.includes('sqlite');

const log = (line) => process.stderr.write(`${line}\n`);
const workload = buildWorkload(Number(opts.rows), { seed: Number(opts.seed) });
const w = workload.stats;
log(
  `process benchmark: ${runs} run(s) × ${w.rows} rows (${w.statusBodies} status bodies with ` +
    `${w.statusUpdates} updates, ${w.inbound} inbound, ${w.duplicates} duplicate bodies; ` +
    `mean ${w.meanBytes} bytes), batch size ${batchSize ?? "default (a worker-only process's)"}, ` +
    `${subscriptions} subscription(s) to *; ` +
    `database ${databases.join(' and ')}`,
);

const builds = [await loadBuild()];
if (opts.compare) builds.push(await loadBuild(opts.compare));
if (process.execArgv.length > 0) log(`  node flags: ${process.execArgv.join(' ')}`);
if (!batchSize)
  log(`  default batch size: ${builds.map((b) => `${b.folder} ${b.defaultBatchSize}`).join(', ')}`);

const targets = databases.flatMap((database) => builds.map((build) => ({ database, build })));
const label = ({ database, build }) =>
  [databases.length > 1 ? database : '', builds.length > 1 ? build.folder : ''].filter(Boolean).join(' ');

async function measureOnce(target, run) {
  const { build, database } = target;
  const db = database === 'postgres' ? await tempPostgresDatabase() : tempDatabase();
  try {
    await preload(build, db, workload.bodies, { subscriptions });
    await waitForQuiet([], maxForeign, quietWaitMs);
    // The PostgreSQL server's work is part of the drain's cost, not a neighbour's.
    const before = readLoad([], db.cpuSeconds);
    const m = await drain(build, db, w.rows, { batchSize });
    const foreign = foreignCores(before, readLoad([], db.cpuSeconds));
    const measured = {
      build: build.folder,
      database,
      run,
      ...m,
      foreignCores: foreign,
      noisy: foreign > maxForeign,
    };
    log(
      `  run ${run}${targets.length > 1 ? ` ${label(target)}` : ''}: ${formatNumber(m.rowsPerSec)} rows/s, ` +
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
    await db.remove();
  }
}

for (const target of targets) {
  const warmupRows = Math.min(Number(opts['warmup-rows']), w.rows);
  if (!(warmupRows > 0)) break;
  const db = target.database === 'postgres' ? await tempPostgresDatabase() : tempDatabase();
  try {
    await preload(target.build, db, workload.bodies.slice(0, warmupRows), { subscriptions });
    await drain(target.build, db, warmupRows, { batchSize });
    log(`  warm-up${targets.length > 1 ? ` ${label(target)}` : ''}: ${warmupRows} rows drained, not timed`);
  } finally {
    await db.remove();
  }
}

const measurements = [];
const ingestMeasurements = [];
for (let run = 1; run <= runs; run++) {
  if (ingestInRun) {
    const m = await measureIngestOnce(ingestOptions);
    ingestMeasurements.push({ run, ...m, noisy: m.foreignCores > maxForeign });
    log(
      `  run ${run} ingest: ${formatNumber(m.requestsPerSec)} req/s at ${ingestOptions.connections} connections, ` +
        `p99 ${m.p99Ms} ms; other processes ${m.foreignCores.toFixed(2)} cores`,
    );
  }
  // Alternating which target goes first spreads slow phases of a shared machine over all of them.
  const order = run % 2 === 1 ? targets : [...targets].reverse();
  for (const target of order) measurements.push(await measureOnce(target, run));
}

const ingestRate = (database) => {
  if (opts['ingest-rps']) return { requestsPerSec: Number(opts['ingest-rps']), source: '--ingest-rps' };
  if (database === 'sqlite' && ingestInRun) return sameRunIngestRate(ingestMeasurements, ingestOptions);
  return latestIngestRate(database);
};
const summarizeTarget = (database, build) =>
  summarize(
    measurements.filter((m) => m.build === build.folder && m.database === database),
    w.rows,
    ingestRate(database),
  );
const byDatabase = {};
for (const database of databases) {
  const summaries = builds.map((build) => summarizeTarget(database, build));
  byDatabase[database] = summaries;
  if (databases.length > 1) console.log(`\n== ${database === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ==`);
  printSummary(summaries[0], { runs, rows: w.rows, ingest: ingestRate(database), maxForeign });
  if (summaries.length > 1) printComparison(builds, summaries);
}
if (byDatabase.sqlite && byDatabase.postgres)
  printDatabaseRatio(byDatabase.sqlite[0], byDatabase.postgres[0]);
const paired = ingestInRun
  ? pairedRatio(
      measurements.filter((m) => m.build === builds[0].folder && m.database === 'sqlite'),
      ingestMeasurements,
    )
  : null;
if (paired)
  console.log(
    `run by run (each drain ÷ the ingest rate measured beside it), median of ${paired.count}: ` +
      `${formatNumber(paired.median, 2)}`,
  );
const summaries = byDatabase[databases[0]];

let profile;
if (opts.profile) {
  const db = databases[0] === 'postgres' ? await tempPostgresDatabase() : tempDatabase();
  try {
    await preload(builds[0], db, workload.bodies, { subscriptions });
    profile = await profileDrain(builds[0], db, w.rows, { batchSize });
  } finally {
    await db.remove();
  }
}

const resultsDir = new URL('../results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const file = new URL(`process-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
writeFileSync(
  file,
  `${JSON.stringify(
    {
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        node: process.version,
        // Node/V8 flags the drains ran with (say --max-semi-space-size, see docs/deploy.md "Sizing").
        nodeFlags: process.execArgv,
        kernel: release(),
      },
      options: { runs, batchSize: batchSize ?? null, seed: Number(opts.seed), subscriptions, databases },
      workload: w,
      ingest: ingestRate(databases[0]),
      ...(ingestInRun ? { ingestMeasurements, pairedRatio: paired } : {}),
      summary: summaries[0],
      ...(summaries.length > 1 ? { compared: { folder: builds[1].folder, summary: summaries[1] } } : {}),
      ...(databases.length > 1
        ? { databases: Object.fromEntries(databases.map((d) => [d, byDatabase[d][0]])) }
        : {}),
      measurements,
      ...(profile ? { profile } : {}),
    },
    null,
    2,
  )}\n`,
);
console.log(`\nresults: ${file.pathname}`);
if (opts.strict && !summaries[0].targetMet) process.exitCode = 1;
