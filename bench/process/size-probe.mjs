// Storage per stored webhook on SQLite: preloads and processes the benchmark's workload, then
// checkpoints and divides the file's size by the rows. Run after `npm run build`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drain, loadBuild, preload } from './drain.mjs';
import { buildWorkload } from './workload.mjs';

const rows = Number(process.argv[2] ?? 10_000);
const build = await loadBuild();
const { bodies } = buildWorkload(rows);
const dir = mkdtempSync(join(tmpdir(), 'wahook-size-'));
const path = join(dir, 'wahook.db');
const database = { kind: 'sqlite', path };
await preload(build, database, bodies, { subscriptions: 1 });
await drain(build, database, rows, { batchSize: 200 });
const db = new Database(path);
db.pragma('wal_checkpoint(TRUNCATE)');
db.exec('VACUUM');
const tables = ['inbox', 'events', 'messages', 'deliveries'].map(
  (table) => `${table} ${db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get().n}`,
);
db.close();
const bytes = statSync(path).size;
const mean = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
console.log(`${rows} webhooks (mean body ${mean.toFixed(0)} bytes): ${(bytes / 1e6).toFixed(1)} MB on disk`);
console.log(`${(bytes / rows).toFixed(0)} bytes per stored webhook (${tables.join(', ')})`);
rmSync(dir, { recursive: true, force: true });
