/**
 * The WAL checkpointer, run in a worker thread. With SQLite's automatic checkpoints, whichever
 * connection commits past the threshold copies the WAL back into the database file and fsyncs it
 * inside that commit: on the processing connection that stalled the event loop (a third of a
 * drain's time went to it), on the inbox writer it delayed the batch's 200s. Here the copy runs
 * beside both. PASSIVE never takes the write lock, so it never blocks a writer or a reader; frames
 * it cannot copy yet (a reader still needs them) are copied on a later tick.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqlite } from './connection.js';

const port = parentPort;
if (!port) throw new Error('checkpoint-thread.js must run as a worker thread');
const { path, intervalMs } = workerData as { path: string; intervalMs: number };

const db = openSqlite(path);
let timer: NodeJS.Timeout | undefined;
let last = { log: 0, checkpointed: 0 };

function tick() {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    // An idle database answers the same counts every tick: only a change is worth a message.
    if (result && result.log > 0 && (result.log !== last.log || result.checkpointed !== last.checkpointed)) {
      last = result;
      port?.postMessage({ log: result.log, checkpointed: result.checkpointed });
    }
  } catch {
    // A locked or briefly unreadable file: the WAL only waits, and the next tick tries again.
  }
  timer = setTimeout(tick, intervalMs);
}

port.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearTimeout(timer);
  db.close();
  port.close();
});
tick();
