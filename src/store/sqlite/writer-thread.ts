/**
 * The SQLite inbox writer, run in a worker thread. better-sqlite3 is synchronous, so a commit's
 * fsync would otherwise stop the event loop that is reading the next requests; here the fsync of
 * batch N overlaps with the main thread collecting batch N+1. Each message is one batch, one
 * transaction, one fsync; the reply carries the new row ids or the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './connection.js';
import { INSERT_INBOX_SQL, type InboxAppendTuple } from './inbox-sql.js';
import { WriteTurns, writeTurnsBuffer } from './write-turns.js';

interface AppendMessage {
  seq: number;
  rows: InboxAppendTuple[];
}

const port = parentPort;
if (!port) throw new Error('writer-thread.js must run as a worker thread');

const { path } = workerData as { path: string };
const db = openSqlite(path);
// Webhooks wait for these commits before their 200: at the write lock this thread goes first. Its
// waits are bounded so that a locked-out receiver answers 503 (and /readyz fails) within 2 s: at
// most 1 s for the turn, then at most 1 s for SQLite's own lock (another process on the file).
const turns = new WriteTurns(writeTurnsBuffer(path), { first: true, giveUpMs: 1_000 });
db.pragma('busy_timeout = 1000');
const insert = db.prepare(INSERT_INBOX_SQL);
const appendAll = db.transaction((rows: InboxAppendTuple[]) =>
  rows.map((row) => {
    const body = Buffer.from(row[5].buffer, row[5].byteOffset, row[5].byteLength);
    return Number(insert.run(row[0], row[1], row[2], row[3], row[4], body).lastInsertRowid);
  }),
);

port.on('message', (message: AppendMessage | 'close') => {
  if (message === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    if (message.rows.length === 0) {
      // A probe: take and release the write lock, proving the file accepts writes right now.
      turns.hold(() => db.exec('BEGIN IMMEDIATE; ROLLBACK'));
      port.postMessage({ seq: message.seq, ids: [] });
      return;
    }
    port.postMessage({ seq: message.seq, ids: turns.hold(() => appendAll(message.rows)) });
  } catch (err) {
    port.postMessage({ seq: message.seq, error: (err as Error).message });
  }
});
