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
 * - once the frames written since the WAL last started over pass a quarter of the limit, a RESTART
 *   checkpoint holds the writers for a moment, copies the few frames the tick's PASSIVE left, waits
 *   briefly for readers of older snapshots, and lets the next writer start over at the file's
 *   beginning. The file keeps its size, so the writers overwrite blocks already there;
 * - once traffic has calmed (no new frame since the last tick), or the file is over its limit, a
 *   TRUNCATE does the same and cuts the file to zero;
 * - a RESTART or TRUNCATE that could not finish (a reader held an old snapshot the whole wait,
 *   usually another program with a transaction open) is retried after a growing pause, so a stuck
 *   reader does not make every tick hold the writers up.
 *
 * Writers wait while a RESTART or TRUNCATE runs (their busy timeout covers it), so both come after
 * a PASSIVE and wait for readers only briefly. A TRUNCATE of the whole quarter instead, on a quarter
 * of 256 MiB, held them 36–102 ms each time (bench:e2e at 1,000/s): the slowest acks and
 * deliveries; cutting a 64 MiB file and growing it again cost most of that.
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

/**
 * How long a RESTART (under traffic) or a TRUNCATE holds writers while waiting for readers. Well
 * under the inbox writer's busy timeout (1 s): a reader that keeps its snapshot (another program
 * with a transaction open) lets go no sooner for a longer wait, and a TRUNCATE that waited 1 s
 * over the limit turned webhooks into 503s meanwhile.
 */
const READER_WAIT_RESTART_MS = 20;
const READER_WAIT_MS = 200;
const MAX_RETRY_PAUSE_MS = 5_000;
/** The shortest pause between ticks while the WAL grows fast. */
const MIN_INTERVAL_MS = 10;

const db = openSqlite(path);
let timer: NodeJS.Timeout | undefined;
let lastLog = -1;
let retryPause = 0;
let retryAt = 0;
let lastSent: CheckpointTick = { walBytes: -1, backlogPages: -1 };
/** The bytes of frames written since the WAL last started over, when the last tick ended, and when that was. */
let lastEnd = { logBytes: 0, at: Date.now() };
/** A frame is a page and its 24-byte header. */
const frameBytes = (db.pragma('page_size', { simple: true }) as number) + 24;

function walSize(): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

function checkpoint(mode: 'PASSIVE' | 'RESTART' | 'TRUNCATE'): CheckpointResult | undefined {
  const [result] = db.pragma(`wal_checkpoint(${mode})`) as CheckpointResult[];
  return result;
}

/**
 * Makes the next writer start the WAL over (RESTART), or also cuts the file to zero (TRUNCATE);
 * when readers keep it, the next try waits a growing pause. Answers the frames it could not copy
 * because a reader still needs them.
 */
function startOver(mode: 'RESTART' | 'TRUNCATE', readerWaitMs: number): number {
  db.pragma(`busy_timeout = ${readerWaitMs}`);
  const result = checkpoint(mode);
  if (result && result.busy === 0) {
    retryPause = 0;
    return 0;
  }
  retryPause = Math.min(MAX_RETRY_PAUSE_MS, Math.max(intervalMs, retryPause * 2));
  retryAt = Date.now() + retryPause;
  return result ? Math.max(0, result.log - result.checkpointed) : 0;
}

/**
 * Whether this tick starts the WAL over, and how: a TRUNCATE when the file is over its limit or
 * traffic has calmed, a RESTART once a quarter of the limit was written since it last started over.
 * Calm comes before the quarter: the WAL starts over only at the next write, so after traffic stops
 * past a quarter the frames counted stay that many, and RESTART would be chosen every tick.
 */
function startOverMode(
  fileBytes: number,
  logBytes: number,
  calm: boolean,
): 'RESTART' | 'TRUNCATE' | undefined {
  if (Date.now() < retryAt) return undefined;
  if (fileBytes > walLimitBytes || (calm && fileBytes > 0)) return 'TRUNCATE';
  if (logBytes >= walLimitBytes / 4) return 'RESTART';
  return undefined;
}

function tick() {
  let delay = intervalMs;
  try {
    const passive = checkpoint('PASSIVE');
    const logBytes = passive ? passive.log * frameBytes : walSize();
    const bytesPerMs = Math.max(0, logBytes - lastEnd.logBytes) / Math.max(1, Date.now() - lastEnd.at);
    let backlogPages = passive ? Math.max(0, passive.log - passive.checkpointed) : 0;
    const calm = passive !== undefined && passive.log === lastLog;
    lastLog = passive?.log ?? -1;
    const mode = startOverMode(walSize(), logBytes, calm);
    if (mode) backlogPages = startOver(mode, mode === 'RESTART' ? READER_WAIT_RESTART_MS : READER_WAIT_MS);
    // Once the WAL starts over, its next frames count from zero.
    lastEnd = { logBytes: mode && backlogPages === 0 ? 0 : logBytes, at: Date.now() };
    delay = nextDelay(lastEnd.logBytes, bytesPerMs);
    report({ walBytes: walSize(), backlogPages });
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
function nextDelay(logBytes: number, bytesPerMs: number): number {
  if (!(bytesPerMs > 0)) return intervalMs;
  const untilQuarter = Math.max(0, walLimitBytes / 4 - logBytes) / bytesPerMs;
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
