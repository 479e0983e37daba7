import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBenchSchema } from '../lib/postgres.mjs';

/**
 * One measurement: a fresh database (a SQLite file, or a PostgreSQL schema) preloaded with the
 * workload's rows through the store's own append (as the receiver writes them), then the real
 * processing worker, with the real bus, metrics and clock, timed from start until every row is
 * processed or quarantined.
 *
 * The code under test is loaded from a build folder (dist/ by default), so two builds can be
 * measured side by side in one process (run.mjs --compare).
 */
export const DEFAULT_BUILD = new URL('../../dist/', import.meta.url);

export async function loadBuild(folder = DEFAULT_BUILD) {
  const base =
    typeof folder === 'string' ? pathToFileURL(folder.endsWith('/') ? folder : `${folder}/`) : folder;
  const load = (path) => import(new URL(path, base));
  const [store, postgresStore, worker, bus, metrics, processMetrics, clock, stages] = await Promise.all([
    load('store/sqlite/store.js'),
    load('store/postgres/store.js'),
    load('process/worker.js'),
    load('observe/bus.js'),
    load('observe/metrics.js'),
    load('observe/process-metrics.js'),
    load('lib/clock.js'),
    load('stages.js'),
  ]);
  return {
    folder: base.pathname,
    createSqliteStore: store.createSqliteStore,
    createPostgresStore: postgresStore.createPostgresStore,
    createProcessingWorker: worker.createProcessingWorker,
    Bus: bus.Bus,
    createMetrics: metrics.createMetrics,
    registerProcessMetrics: processMetrics.registerProcessMetrics,
    systemClock: clock.systemClock,
    // What `wahook serve` gives a worker-only process (WAHOOK_ROLES=worker); builds from before the
    // setting existed used 200 everywhere.
    defaultBatchSize: stages.defaultBatchSize?.(['worker']) ?? 200,
  };
}

/**
 * The worker's wake-ups, for a drain that never idles: nothing listens for what it signals. A plain
 * object rather than the build's class, so builds from before lib/wakeups.js load as well.
 */
export const quietWakeups = { on: () => () => undefined, signal: () => undefined };

const APPEND_CHUNK = 500;

/**
 * Fills the inbox and, since a business normally has at least one, creates `subscriptions`
 * subscriptions to every event: the processing transaction then also writes the outbox rows.
 */
export async function preload(build, database, bodies, { subscriptions = 1 } = {}) {
  const store = await openStore(build, database);
  // The inbox writer thread is unref'd (a server keeps the process alive); here nothing else would.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    for (let n = 0; n < subscriptions; n++) {
      await store.createSubscription({
        id: `sub_bench_${n}`,
        url: `https://crm${n}.example.com/hooks/whatsapp`,
        events: ['*'],
        phoneNumberIds: null,
        headers: {},
        description: 'process benchmark',
        enabled: true,
        secret: `whsec_${Buffer.alloc(24, n).toString('base64')}`,
        source: 'api',
        now: Date.now(),
      });
    }
    const now = Date.now();
    for (let start = 0; start < bodies.length; start += APPEND_CHUNK) {
      const rows = bodies.slice(start, start + APPEND_CHUNK).map((body) => ({
        receivedAt: now,
        source: 'meta',
        auth: 'hmac',
        contentType: 'application/json',
        headers: { 'user-agent': 'facebookexternalua' },
        body,
      }));
      await store.appendInboxBatch(rows);
    }
  } finally {
    await store.close();
    clearInterval(keepAlive);
  }
}

/** Runs the worker over a preloaded database until `rows` rows are done; answers timings and counts. */
export async function drain(build, database, rows, { batchSize }) {
  const store = await openStore(build, database);
  const bus = new build.Bus();
  const registry = build.createMetrics(bus, store);
  build.registerProcessMetrics(bus, registry);
  let done = 0;
  let quarantined = 0;
  let finished;
  const allDone = new Promise((resolve) => {
    finished = resolve;
  });
  bus.on('process:row', (row) => {
    done += 1;
    if (row.outcome === 'quarantined') quarantined += 1;
    if (done === rows) finished();
  });
  const failures = [];
  bus.on('process:batch_failed', (event) => failures.push(event.error));

  const worker = build.createProcessingWorker({
    store,
    bus,
    clock: build.systemClock,
    wakeups: quietWakeups,
    batchSize: batchSize ?? build.defaultBatchSize,
  });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  worker.start();
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await worker.stop();

  const counts = {
    events: await countRows(store, 'events'),
    deliveries: await countRows(store, 'deliveries'),
    messages: await countRows(store, 'messages'),
  };
  await store.close();
  return {
    seconds,
    rowsPerSec: rows / seconds,
    eventsPerSec: counts.events / seconds,
    ...counts,
    quarantined,
    failures: failures.length,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

async function countRows(store, table) {
  const sql = `SELECT COUNT(*) AS n FROM ${table}`;
  if (store.dialect === 'postgres') return (await store.pool.query(sql)).rows[0].n;
  return store.db.prepare(sql).get().n;
}

/** `database` is what tempDatabase or tempPostgresDatabase answered. */
function openStore(build, database) {
  return database.kind === 'postgres'
    ? build.createPostgresStore(database.url)
    : build.createSqliteStore(database.path);
}

/** A temp folder for one run's SQLite file, removed by `remove()`. */
export function tempDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-bench-process-'));
  return {
    kind: 'sqlite',
    path: join(dir, 'wahook.db'),
    remove: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh PostgreSQL schema for one run, dropped by `remove()`. */
export async function tempPostgresDatabase() {
  const schema = await createBenchSchema();
  return {
    kind: 'postgres',
    url: schema.url,
    schema: schema.schema,
    cpuSeconds: schema.cpuSeconds,
    remove: schema.drop,
  };
}
