import { readFileSync } from 'node:fs';

/**
 * How much CPU other processes took during a measurement, on Linux (null elsewhere). On a shared
 * two-core machine a build or a test run next door halves a server's throughput; a benchmark that
 * reports this can flag the runs to distrust instead of silently averaging them in.
 *
 * foreign = all CPU time the machine spent − this process and its finished children (the load
 * generator) − the measured servers (still running, read by pid).
 */
const TICKS_PER_SEC = 100;

function machineBusySeconds() {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal …: idle and iowait are not work, and interrupt
  // time is left out because loopback traffic is processed there on nobody's account, ours included.
  const [user, nice, system, , , , , steal] = fields;
  return (user + nice + system + steal) / TICKS_PER_SEC;
}

function processSeconds(pid, withChildren) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const own = fields[11] + fields[12];
  return (withChildren ? own + fields[13] + fields[14] : own) / TICKS_PER_SEC;
}

/**
 * `extraSeconds` counts more CPU as ours: a database server the measured code is using (see
 * postgres.mjs `postgresCpu`), whose processes come and go with its connections.
 */
export function readLoad(serverPids, extraSeconds = () => 0) {
  try {
    return {
      at: performance.now(),
      machine: machineBusySeconds(),
      self: processSeconds('self', true),
      servers: serverPids.reduce((sum, pid) => sum + processSeconds(pid, false), 0) + extraSeconds(),
    };
  } catch {
    return null;
  }
}

/**
 * Waits (up to `maxWaitMs`) until other processes have used at most `maxCores` over one second:
 * a measurement started then has a fair chance of running on a quiet machine. Returns the last
 * reading in cores.
 */
export async function waitForQuiet(serverPids, maxCores, maxWaitMs) {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const before = readLoad(serverPids);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const cores = foreignCores(before, readLoad(serverPids));
    if (!(cores > maxCores) || Date.now() >= deadline) return cores;
  }
}

/** Cores' worth of CPU used by processes outside the benchmark between two readings. */
export function foreignCores(before, after) {
  if (!before || !after) return Number.NaN;
  const elapsed = (after.at - before.at) / 1000;
  const ours = after.self - before.self + (after.servers - before.servers);
  return Math.max(0, (after.machine - before.machine - ours) / elapsed);
}
