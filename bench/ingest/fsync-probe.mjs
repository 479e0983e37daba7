#!/usr/bin/env node
/**
 * How long this disk takes to make a commit durable, which bounds the receiver: at C connections,
 * each waiting for its own commit, req/s can never exceed C / (time to commit). Measures
 * single-row SQLite commits (WAL) with synchronous=FULL (what wahook uses) and NORMAL (no fsync per
 * commit, for comparison), and a bare 4 KiB write + fdatasync on the same file system.
 *
 *   node bench/ingest/fsync-probe.mjs [--seconds 3] [--dir <folder on the disk to test>]
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { formatNumber, renderTable } from '../lib/stats.mjs';

const { values: opts } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, dir: { type: 'string' } },
});
const seconds = Number(opts.seconds);
const dir = mkdtempSync(join(opts.dir ?? tmpdir(), 'fsync-probe-'));

function timeLoop(step) {
  const samples = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const started = performance.now();
    step(samples.length);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return { count: samples.length, mean, p50: at(0.5), p99: at(0.99), perSec: samples.length / seconds };
}

function sqliteCommits(synchronous, rowsPerCommit) {
  const db = new Database(join(dir, `probe-${synchronous}-${rowsPerCommit}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const body = Buffer.alloc(1600, 120);
  const commit = db.transaction(() => {
    for (let i = 0; i < rowsPerCommit; i++) insert.run(body);
  });
  const result = timeLoop(() => commit());
  db.close();
  return result;
}

function bareFdatasync() {
  const fd = openSync(join(dir, 'raw.bin'), 'w');
  const page = Buffer.alloc(4096, 1);
  const result = timeLoop((n) => {
    writeSync(fd, page, 0, page.length, (n % 256) * page.length);
    fdatasyncSync(fd);
  });
  closeSync(fd);
  return result;
}

try {
  const rows = [
    ['sqlite WAL synchronous=FULL, 1 row/commit', sqliteCommits('FULL', 1)],
    ['sqlite WAL synchronous=FULL, 50 rows/commit', sqliteCommits('FULL', 50)],
    ['sqlite WAL synchronous=NORMAL, 1 row/commit', sqliteCommits('NORMAL', 1)],
    ['4 KiB write + fdatasync', bareFdatasync()],
  ];
  console.log(`durable-commit cost on ${dir} (${seconds} s each)\n`);
  console.log(
    renderTable(
      ['what', 'commits/s', 'mean ms', 'p50 ms', 'p99 ms'],
      rows.map(([name, r]) => [
        name,
        formatNumber(r.perSec),
        formatNumber(r.mean, 3),
        formatNumber(r.p50, 3),
        formatNumber(r.p99, 3),
      ]),
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
