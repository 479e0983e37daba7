#!/usr/bin/env node
/**
 * How much a drain writes to SQLite's WAL, and into which tables and indexes the database grew:
 * the write volume behind the COMMIT share of `bench:process --profile`.
 *
 *   node bench/process/wal-volume.mjs [--rows 20000] [--batch-size N] [--seed 42]
 *
 * Preloads a fresh database with the benchmark's workload, stops the store's checkpoint thread so
 * that every frame written stays in the WAL, drains with the real worker, and reports WAL frames
 * per row and the page count of each table and index (`dbstat`). Every page a transaction
 * touches is written once per commit, so an index with random keys (wamids, event ids) costs
 * about a page per row once it is larger than a batch's share of it.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatNumber } from '../lib/stats.mjs';
import { loadBuild, preload, quietWakeups, tempDatabase } from './drain.mjs';
import { buildWorkload } from './workload.mjs';

const { values: opts } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    'batch-size': { type: 'string' },
    seed: { type: 'string', default: '42' },
  },
});
const workload = buildWorkload(Number(opts.rows), { seed: Number(opts.seed) });
const rows = workload.stats.rows;
const build = await loadBuild();
const batchSize = opts['batch-size'] ? Number(opts['batch-size']) : build.defaultBatchSize;
const database = tempDatabase();
try {
  await preload(build, database, workload.bodies);
  const store = await build.createSqliteStore(database.path);
  await store.checkpointer?.close();
  // Whatever the preload and the migration left in the WAL is not the drain's.
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = store.db.pragma('page_size', { simple: true });

  const bus = new build.Bus();
  let done = 0;
  let finished;
  const allDone = new Promise((resolve) => {
    finished = resolve;
  });
  bus.on('process:row', () => {
    done += 1;
    if (done === rows) finished();
  });
  const worker = build.createProcessingWorker({
    store,
    bus,
    clock: build.systemClock,
    wakeups: quietWakeups,
    batchSize,
  });
  worker.start();
  await allDone;
  await worker.stop();

  const walBytes = statSync(`${database.path}-wal`).size;
  // A frame is a 24-byte header and one page.
  const frames = Math.round((walBytes - 32) / (pageSize + 24));
  const pages = store.db
    .prepare('SELECT name, COUNT(*) AS pages FROM dbstat GROUP BY name ORDER BY pages DESC')
    .all();
  await store.close();

  console.log(
    `${formatNumber(rows)} rows, batch size ${batchSize}, page size ${pageSize}: WAL ${formatNumber(frames)} ` +
      `frames (${(walBytes / 1e6).toFixed(1)} MB) = ${(frames / rows).toFixed(2)} frames, ` +
      `${((frames * pageSize) / rows / 1024).toFixed(1)} KiB per row\n`,
  );
  const width = Math.max(...pages.map((p) => p.name.length));
  console.log(`${'table or index'.padEnd(width)}  pages after the drain`);
  for (const { name, pages: n } of pages.filter((p) => p.pages > 1))
    console.log(`${name.padEnd(width)}  ${formatNumber(n).padStart(8)}`);
} finally {
  await database.remove();
}
