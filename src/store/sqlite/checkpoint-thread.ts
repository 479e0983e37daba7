/**
 * The WAL checkpointer, run in a worker thread. With SQLite's automatic checkpoints, whichever
 * connection commits past the threshold copies the WAL back into the database file and fsyncs it
 * inside that commit: on the processing connection that stalled the event loop (a third of a
 * drain's time went to it), on the inbox writer it delayed the batch's 200s. Here the copy runs
 * beside both.
 *
 * Copying is not enough to keep the WAL small. SQLite starts writing the WAL from its beginning
 * again only when a writer begins while every frame has already been copied back; under sustained
 * traffic two writers (the inbox thread and the processing connection) commit between any PASSIVE
 * checkpoint and the next write, so that moment never comes and the file grows for as long as the
 * traffic lasts (1.1 GB in 40 s at 500 webhooks/s), and stays that size when traffic stops. So:
 *
 * - every tick a PASSIVE checkpoint copies what it can without taking any lock a writer needs;
 *   ticks come every interval, and sooner while the WAL grows fast (nextDelay);
 * - once the WAL file passes a quarter of its limit (instead of the PASSIVE), or traffic has calmed
 *   (no new frame since the last tick), a TRUNCATE checkpoint takes the write lock for a moment,
 *   copies the frames left, waits briefly for readers of older snapshots to finish, and cuts the file to
 *   zero. Writers wait meanwhile (their busy timeout covers it); the wait for readers is short
 *   (readers here are single statements), and longer once the file is over its limit;
 * - a TRUNCATE that could not finish (a reader held an old snapshot the whole wait, usually another
 *   program with a transaction open) is retried after a growing pause, so a stuck reader does not
 *   make every tick hold the writers up.
 *
 * Each tick reports the WAL's size and the frames PASSIVE could not copy because a reader still
 * needs them: that backlog grows only while a reader holds the WAL.
 */
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './connection.js';

export interface CheckpointTick {
  walBytes: number;
  backlogPages: number;
}

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

const port = parentPort;
if (!port) throw new Error('checkpoint-thread.js must run as a worker thread');
const { path, intervalMs, walLimitBytes } = workerData as {
  path: string;
  intervalMs: number;
  walLimitBytes: number;
};

/** How long a TRUNCATE holds writers while waiting for readers, under and over the limit. */
const READER_WAIT_MS = 200;
const READER_WAIT_OVER_LIMIT_MS = 1_000;
const MAX_RETRY_PAUSE_MS = 5_000;
/** The shortest pause between ticks while the WAL grows fast. */
const MIN_INTERVAL_MS = 10;

const db = openSqlite(path);
let timer: NodeJS.Timeout | undefined;
let lastLog = -1;
let retryPause = 0;
let retryAt = 0;
let lastSent: CheckpointTick = { walBytes: -1, backlogPages: -1 };
/** The WAL's size when the last tick ended, and when that was: its growth since is the write rate. */
let lastEnd = { walBytes: 0, at: Date.now() };

function walSize(): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): CheckpointResult | undefined {
  const [result] = db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[];
  return result;
}

/**
 * Cuts the WAL back to zero; when readers keep it, the next try waits a growing pause. Answers the
 * frames it could not copy because a reader still needs them.
 */
function truncate(walBytes: number): number {
  db.pragma(`busy_timeout = ${walBytes > walLimitBytes ? READER_WAIT_OVER_LIMIT_MS : READER_WAIT_MS}`);
  const result = checkpoint('TRUNCATE');
  lastLog = -1;
  if (result && result.busy === 0) {
    retryPause = 0;
    return 0;
  }
  retryPause = Math.min(MAX_RETRY_PAUSE_MS, Math.max(intervalMs, retryPause * 2));
  retryAt = Date.now() + retryPause;
  return result ? Math.max(0, result.log - result.checkpointed) : 0;
}

function tick() {
  let delay = intervalMs;
  try {
    let walBytes = walSize();
    const bytesPerMs = (walBytes - lastEnd.walBytes) / Math.max(1, Date.now() - lastEnd.at);
    let backlogPages = 0;
    if (walBytes >= walLimitBytes / 4 && Date.now() >= retryAt) {
      // Past a quarter of the limit: TRUNCATE copies and cuts in one go. A PASSIVE copy first
      // would only give the writers its duration to add more.
      backlogPages = truncate(walBytes);
    } else {
      const passive = checkpoint('PASSIVE');
      walBytes = walSize();
      backlogPages = passive ? Math.max(0, passive.log - passive.checkpointed) : 0;
      const calm = passive !== undefined && passive.log === lastLog;
      if (passive && calm && walBytes > 0 && Date.now() >= retryAt) backlogPages = truncate(walBytes);
      lastLog = passive?.log ?? -1;
    }
    walBytes = walSize();
    lastEnd = { walBytes, at: Date.now() };
    delay = nextDelay(walBytes, bytesPerMs);
    report({ walBytes, backlogPages });
  } catch {
    // A locked or briefly unreadable file (or a full disk while copying): the next tick tries again.
  }
  timer = setTimeout(tick, delay);
}

/**
 * The pause before the next tick. A fixed interval bounds the WAL only while the writers add less
 * than a quarter of the limit per interval; a drain on a fast machine adds more (tens of MB/s), so
 * while the WAL grows the next tick comes at half the time the growth seen over the last one
 * would take to reach a quarter of the limit.
 */
function nextDelay(walBytes: number, bytesPerMs: number): number {
  if (!(bytesPerMs > 0)) return intervalMs;
  const untilQuarter = Math.max(0, walLimitBytes / 4 - walBytes) / bytesPerMs;
  return Math.max(MIN_INTERVAL_MS, Math.min(intervalMs, untilQuarter / 2));
}

function report(tickReport: CheckpointTick): void {
  // An idle database answers the same figures every tick: only a change is worth a message.
  if (tickReport.walBytes === lastSent.walBytes && tickReport.backlogPages === lastSent.backlogPages) return;
  lastSent = tickReport;
  port?.postMessage(tickReport);
}

port.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearTimeout(timer);
  db.close();
  port.close();
});
tick();
