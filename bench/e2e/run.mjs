#!/usr/bin/env node
/**
 * End-to-end benchmark: signed webhook POST → receiver → SQLite inbox → worker → event → delivery
 * loop → signed POST to a subscriber, timed from the moment each webhook was due to be sent to the
 * moment the subscriber had its event. wahook runs all roles in one child process; the open-loop
 * sender and the subscriber run in this process, on one clock.
 *
 *   npm run bench:e2e -- [--steady-rate 200] [--steady-duration 10] [--rates 300,500,1000,2000,3000,4000,6000]
 *                        [--duration 10] [--grace 5] [--drain 30] [--warmup 2] [--runs 1]
 *                        [--max-foreign 0.5] [--quiet-wait 15] [--retries 1]
 *                        [--noop-rates 2000,4000,6000,8000,12000,16000] (empty: no ceiling)
 *                        [--subscriptions 1] [--baseline-dist DIR] [--env NAME=VALUE]… [--node-arg ARG]…
 *                        [--database sqlite|postgres|both] [--per-role 1,2]
 *                        [--batch max_events=100,max_wait=50ms]
 *
 * Per run: a warm-up (discarded), the steady rate, then the rates of the search in increasing order
 * until one is not stable (see step.mjs); the rates above it are not tried. Then, in the same run
 * and on the same sender, the no-op Fastify server of bench:ingest takes `--noop-rates` the same
 * way (stable by the same rule, the 200 standing in for the delivery): the ceiling the sender and
 * one HTTP hop allow, and wahook's highest stable rate as a share of it. Prints medians over the
 * runs and writes everything to bench/results/e2e-<time>.json.
 *
 * `--subscriptions N` registers N subscriptions (N paths of the one subscriber); an event counts as
 * delivered when all N have it. `--baseline-dist DIR` runs the ladder a second time per run with
 * another build (a copy of dist/ made before a change), so a change is judged on the same machine
 * minutes apart, not against a figure from another day. `--batch max_events=N,max_wait=DURATION`
 * registers the subscriptions with that batch policy (one POST carries up to N events as a JSON
 * array); the subscriber counts each event of a batch as delivered when the batch arrived.
 *
 * `--database postgres` runs the ladder on PostgreSQL (a fresh schema of WAHOOK_BENCH_DATABASE_URL,
 * by default the local test database) with the roles split over processes: for each count N of
 * `--per-role`, N receivers, N workers and N delivery loops, the sender spreading its requests over
 * the receivers. With several counts it prints how the highest stable rate scales from the first
 * to each other. `both` runs SQLite (all roles in one process) first, then PostgreSQL. `--env` sets a variable for every wahook, `--node-arg` passes an option to its node (`--cpu-prof`).
 *
 * The machine may be shared: each step first waits (up to --quiet-wait s) until other processes
 * use at most --max-foreign cores, and is repeated (up to --retries) when they took more during it;
 * the quietest attempt is kept, and flagged when none was quiet.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { parseArgs } from 'node:util';
import { startNoopServer } from '../ingest/servers.mjs';
import { waitForQuiet } from '../lib/machine-load.mjs';
import { parseDatabases } from '../lib/postgres.mjs';
import { median } from '../lib/stats.mjs';
import { closeSenderSockets } from './open-loop.mjs';
import { renderSummary, summarize } from './report.mjs';
import { isStable, runAckStep, runStep } from './step.mjs';
import { startSubscriber } from './subscriber.mjs';
import { startWahookCluster, startWahookPipeline } from './wahook.mjs';

const { values: opts } = parseArgs({
  options: {
    'steady-rate': { type: 'string', default: '200' },
    'steady-duration': { type: 'string', default: '10' },
    rates: { type: 'string', default: '300,500,1000,2000,3000,4000,6000' },
    duration: { type: 'string', default: '10' },
    grace: { type: 'string', default: '5' },
    drain: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '2' },
    runs: { type: 'string', default: '1' },
    'max-foreign': { type: 'string', default: '0.5' },
    'quiet-wait': { type: 'string', default: '15' },
    retries: { type: 'string', default: '1' },
    'noop-rates': { type: 'string', default: '2000,4000,6000,8000,12000,16000' },
    'baseline-dist': { type: 'string' },
    subscriptions: { type: 'string', default: '1' },
    database: { type: 'string', default: 'sqlite' },
    'per-role': { type: 'string', default: '1,2' },
    batch: { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const options = {
  steadyRate: Number(opts['steady-rate']),
  steadyDurationSec: Number(opts['steady-duration']),
  rates: opts.rates.split(',').map(Number),
  durationSec: Number(opts.duration),
  graceSec: Number(opts.grace),
  drainSec: Number(opts.drain),
  warmupSec: Number(opts.warmup),
  runs: Number(opts.runs),
  maxForeign: Number(opts['max-foreign']),
  quietWaitMs: Number(opts['quiet-wait']) * 1000,
  retries: Number(opts.retries),
  noopRates: opts['noop-rates'] ? opts['noop-rates'].split(',').map(Number) : [],
  baselineDist: opts['baseline-dist'],
  subscriptions: Number(opts.subscriptions),
  databases: parseDatabases(opts.database),
  perRole: opts['per-role'].split(',').map(Number),
  batch: parseBatch(opts.batch),
  nodeArgs: opts['node-arg'],
  env: Object.fromEntries(
    opts.env.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  ),
};

/**
 * `max_events=100,max_wait=50ms` → the subscription API's `batch` object; no option → null (one
 * event per POST). `max_wait` may be left out: the server's default (1s) applies.
 */
function parseBatch(text) {
  if (text === undefined) return null;
  const batch = {};
  for (const pair of text.split(',')) {
    const [key, value, ...extra] = pair.split('=');
    if (key === 'max_events' && extra.length === 0 && /^\d+$/.test(value ?? ''))
      batch.max_events = Number(value);
    else if (key === 'max_wait' && extra.length === 0 && value) batch.max_wait = value;
    else
      throw new Error(
        `--batch ${text}: expected max_events=N[,max_wait=DURATION], e.g. max_events=100,max_wait=50ms`,
      );
  }
  if (batch.max_events === undefined) throw new Error(`--batch ${text}: max_events=N is required`);
  return batch;
}

/** How the subscriptions take their events, as the header and the medians print it. */
function describeBatch(batch) {
  if (!batch) return 'one event per POST';
  return `batched, max_events=${batch.max_events}, max_wait=${batch.max_wait ?? '1s (default)'}`;
}

const log = (line) => process.stderr.write(`${line}\n`);
log(
  `e2e benchmark: ${options.runs} run(s); steady ${options.steadyRate} req/s × ${options.steadyDurationSec} s, ` +
    `then ${options.rates.join('/')} req/s × ${options.durationSec} s until one is unstable` +
    (options.noopRates.length ? `; no-op Fastify ${options.noopRates.join('/')} req/s the same way` : '') +
    `; ${options.subscriptions} subscription(s), ${describeBatch(options.batch)}`,
);

/** The pipelines each run measures: the first is the one compared with the baseline and no-op. */
const layouts = options.databases.flatMap((database) =>
  database === 'sqlite'
    ? [{ database, label: 'SQLite, all roles in one process' }]
    : options.perRole.map((perRole) => ({
        database,
        perRole,
        label: `PostgreSQL, ${perRole} process(es) per role`,
      })),
);
const runs = [];
for (let run = 1; run <= options.runs; run++) {
  const result = await runOnce(run, layouts[0]);
  result.layouts = [];
  for (const layout of layouts.slice(1)) result.layouts.push(await runOnce(run, layout));
  if (options.baselineDist) result.baseline = await runOnce(run, layouts[0], options.baselineDist);
  result.noop = await runNoop(run);
  runs.push(result);
}
closeSenderSockets();

function startLayout(layout, dist) {
  const common = { dist, env: options.env, nodeArgs: options.nodeArgs };
  return layout.database === 'sqlite'
    ? startWahookPipeline(common)
    : startWahookCluster({ ...common, perRole: layout.perRole });
}

/**
 * A fresh wahook and subscriber per run: a run's backlog or data never leaks into the next.
 * `dist` runs another build (a copy of dist/ from before a change) on the same ladder.
 */
async function runOnce(run, layout, dist) {
  log(`run ${run}: ${dist ? 'baseline' : 'wahook'}, ${layout.label}`);
  const wahook = await startLayout(layout, dist);
  const subscriber = await startSubscriber({ subscriptions: options.subscriptions });
  try {
    for (const url of subscriber.urls) await wahook.subscribe(url, options.batch);
    const step = (label, rate, durationSec) => measureStep(wahook, subscriber, { label, rate, durationSec });
    if (options.warmupSec > 0) await step(`warmup-r${run}`, options.steadyRate, options.warmupSec);
    const steps = [await step(`steady ${options.steadyRate}`, options.steadyRate, options.steadyDurationSec)];
    let highestStableRate = isStable(steps[0]) ? options.steadyRate : undefined;
    for (const rate of options.rates) {
      const measured = await step(String(rate), rate, options.durationSec);
      steps.push(measured);
      if (!isStable(measured)) break;
      highestStableRate = rate;
    }
    const { counts } = subscriber;
    log(
      `  subscriber: ${counts.requests} requests, ${counts.events} events` +
        ` (${(counts.events / (counts.requests || Number.NaN)).toFixed(1)} per request)`,
    );
    return { run, layout, steps, highestStableRate, subscriber: { ...counts } };
  } finally {
    await subscriber.stop();
    await wahook.stop();
  }
}

/** The no-op server's ladder, after the run's wahook has stopped: the two never share the cores. */
async function runNoop(run) {
  if (options.noopRates.length === 0) return undefined;
  const server = await startNoopServer();
  try {
    const steps = [];
    let highestStableRate;
    const ack = (label, rate, durationSec) =>
      measureWith((attempt) => runAckStep({ server, label, attempt, rate, durationSec }), [server.pid]);
    if (options.warmupSec > 0) await ack(`noop-warmup-r${run}`, options.noopRates[0], options.warmupSec);
    for (const rate of options.noopRates) {
      const measured = await ack(`noop ${rate}`, rate, options.durationSec);
      steps.push(measured);
      if (!isStable(measured)) break;
      highestStableRate = rate;
    }
    return { steps, highestStableRate };
  } finally {
    await server.stop();
  }
}

function measureStep(wahook, subscriber, { label, rate, durationSec }) {
  const { graceSec, drainSec } = options;
  return measureWith(
    (attempt) => runStep({ wahook, subscriber, label, attempt, rate, durationSec, graceSec, drainSec }),
    wahook.pids,
  );
}

async function measureWith(runAttempt, pids) {
  let best;
  for (let attempt = 1; ; attempt++) {
    await waitForQuiet(pids, options.maxForeign, options.quietWaitMs);
    const step = await runAttempt(attempt);
    const noisy = step.foreignCores > options.maxForeign;
    logStep(step, noisy);
    if (!best || step.foreignCores < best.foreignCores) best = { ...step, noisy, stable: isStable(step) };
    if (!noisy || attempt > options.retries) return best;
  }
}

function logStep(step, noisy) {
  const { label } = step;
  log(
    `  ${label.padEnd(10)} sent ${step.sent}, acked ${step.acked}, delivered ${step.deliveredInGrace}` +
      `${step.deliveredAfterGrace ? ` (+${step.deliveredAfterGrace} late)` : ''}; ` +
      `e2e p50 ${step.e2eMs.p50.toFixed(1)} p99 ${step.e2eMs.p99.toFixed(1)} max ${step.e2eMs.max.toFixed(0)} ms; ` +
      `ack p50 ${step.ackMs.p50.toFixed(1)} p99 ${step.ackMs.p99.toFixed(1)} ms; sender lag p99 ` +
      `${step.senderLagP99Ms.toFixed(1)} ms; ${isStable(step) ? 'stable' : 'NOT stable'}; ` +
      `wahook CPU ${step.cpuUsPerWebhook.toFixed(0)} µs/webhook; ` +
      `other processes ${step.foreignCores.toFixed(2)} cores${noisy ? ' (noisy)' : ''}` +
      `${step.errors ? `; ${step.errors} errors (${step.firstError})` : ''}`,
  );
}

const summary = summarize(runs.map((run) => ({ ...run, steps: run.steps })));
console.log(
  `\nmedians of ${options.runs} run(s); latency from each POST's due time (open loop); ` +
    `subscriptions ${describeBatch(options.batch)}\n`,
);
console.log(`${layouts[0].label}\n${renderSummary(summary)}`);
if (layouts.length > 1) {
  summary.layouts = layouts.slice(1).map((layout, index) => {
    const layoutSummary = summarize(runs.map((run) => run.layouts[index]));
    console.log(`\n${layout.label}, medians\n${renderSummary(layoutSummary)}`);
    return { layout, ...layoutSummary };
  });
  printScaling([{ layout: layouts[0], ...summary }, ...summary.layouts]);
}
if (options.baselineDist) {
  const baseline = summarize(runs.map((run) => run.baseline));
  summary.baseline = baseline;
  summary.baselineRatios = runs.map(
    (run) => (run.highestStableRate ?? 0) / (run.baseline.highestStableRate ?? Number.NaN),
  );
  console.log(`\nthe baseline build (${options.baselineDist}), medians\n`);
  console.log(renderSummary(baseline));
  const times = (ratio) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-');
  console.log(
    `\nthis build / baseline: ${times(median(summary.baselineRatios))} (runs: ${summary.baselineRatios.map(times).join(', ')})`,
  );
}
if (options.noopRates.length > 0) {
  const noop = summarize(runs.map((run) => ({ ...run.noop, steps: run.noop.steps })));
  summary.noop = noop;
  summary.ratios = runs.map(
    (run) => (run.highestStableRate ?? 0) / (run.noop.highestStableRate ?? Number.NaN),
  );
  summary.ratio = median(summary.ratios);
  console.log(`\nthe same sender against a no-op Fastify server (acks only), medians\n`);
  console.log(renderSummary(noop, 'ack'));
  const percent = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(1)} %` : '-');
  console.log(
    `\nwahook / no-op: ${percent(summary.ratio)} of the rate one HTTP hop sustains on this sender` +
      ` (runs: ${summary.ratios.map(percent).join(', ')}; - where the no-op server had no stable rate)`,
  );
}

/** PostgreSQL with more processes per role against the fewest, run by run (same-run ratios). */
function printScaling(measured) {
  const postgres = measured.filter((entry) => entry.layout.database === 'postgres');
  if (postgres.length < 2) return;
  const [first, ...rest] = postgres;
  for (const entry of rest) {
    const ratios = entry.highestStableRates.map(
      (rate, index) => rate / (first.highestStableRates[index] || Number.NaN),
    );
    entry.scaling = { against: first.layout.perRole, ratios, median: median(ratios) };
    const times = (ratio) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '-');
    console.log(
      `\nPostgreSQL ${entry.layout.perRole} vs ${first.layout.perRole} process(es) per role: ` +
        `${times(entry.scaling.median)} the highest stable rate (runs: ${ratios.map(times).join(', ')})`,
    );
  }
}

const resultsDir = new URL('../results/', import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const file = new URL(`e2e-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, resultsDir);
const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, kernel: release() };
writeFileSync(file, `${JSON.stringify({ machine, options, summary, runs }, null, 2)}\n`);
const noisy = runs.flatMap((run) => run.steps).filter((step) => step.noisy).length;
if (noisy > 0)
  console.log(
    `\n${noisy} step(s) ran while other processes used > ${options.maxForeign} cores: distrust them`,
  );
console.log(`\nresults: ${file.pathname}`);
