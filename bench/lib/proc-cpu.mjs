import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of a process, per thread, from Linux /proc (null elsewhere). Two readings around a load
 * run tell how many CPU microseconds each request cost and on which thread: the main thread (the
 * event loop), the inbox writer thread, libuv's pool, V8's GC helpers.
 */
const TICKS_PER_SEC = 100;

export function readThreadCpu(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const threads = new Map();
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // comm may hold spaces and parentheses: the fields after it start past the last ')'.
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
      threads.set(tid, { name: Number(tid) === pid ? 'main' : name, seconds });
    } catch {
      // The thread ended between listing and reading: its time is no longer attributable.
    }
  }
  return threads;
}

/** CPU seconds spent between two readings, grouped by thread name (main, the writer, libuv…). */
export function cpuBetween(before, after) {
  if (!before || !after) return null;
  const byName = {};
  for (const [tid, thread] of after) {
    const spent = thread.seconds - (before.get(tid)?.seconds ?? 0);
    if (spent <= 0) continue;
    byName[thread.name] = (byName[thread.name] ?? 0) + spent;
  }
  return byName;
}
