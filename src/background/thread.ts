/**
 * A background thread: processing (role `worker`, with the janitor and the stuck-send scan) or the
 * delivery loop, when they share a process with the receiver. It opens its own connection to the store and runs the
 * same stages as a process of their own would; what they say on the bus goes to the main thread
 * (metrics, logs, /v1/stats read it there), batched per turn. Wake-ups cross both ways
 * (messages.ts): the main thread's appends and replays come in, this thread's new events go out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { systemClock } from '../lib/clock.js';
import { Bus, type BusEventName, type BusEvents, wakeupsReportingTo } from '../observe/bus.js';
import { createLogger } from '../observe/logger.js';
import { createStages } from '../stages.js';
import { openStore } from '../store/open-store.js';
import { type BackgroundRole, type FromBackground, type ToBackground, WAKEUPS_OF } from './messages.js';

const port = parentPort;
if (!port) throw new Error('background thread: must run as a worker thread');
const { config, role } = workerData as { config: Config; role: BackgroundRole };

const bus = new Bus();
const forwarded: [BusEventName, unknown][] = [];
const emit = bus.emit.bind(bus);
bus.emit = <K extends BusEventName>(name: K, payload: BusEvents[K]) => {
  emit(name, payload);
  if (forwarded.length === 0) setImmediate(flush);
  forwarded.push([name, payload]);
};
function flush(): void {
  if (forwarded.length === 0) return;
  send({ kind: 'bus', events: forwarded.splice(0) });
}
function send(message: FromBackground): void {
  port?.postMessage(message);
}

const wakeups = wakeupsReportingTo(bus);
for (const signal of WAKEUPS_OF[role].tells) wakeups.on(signal, () => send({ kind: 'wakeup', signal }));
const store = await openStore(config.databaseUrl, {
  walLimitBytes: config.sqliteWalLimitBytes,
  diskReserveBytes: config.diskReserveBytes,
  // The main thread's store keeps the WAL under its limit; one checkpointer per file is enough.
  checkpoint: false,
});
const stages = createStages({
  // The main thread applied the subscriptions file already. A processing batch holds SQLite's
  // write lock, which the receiver's commits wait for: 200 rows, as beside a receiver.
  config: { ...config, subscriptionsFile: undefined, workerBatchSize: config.workerBatchSize ?? 200 },
  roles: [role],
  store,
  bus,
  clock: systemClock,
  logger: createLogger(config.logLevel),
  wakeups,
});

port.on('message', (message: ToBackground) => {
  if (message.kind === 'wakeup') wakeups.signal(message.signal);
  else if (message.kind === 'stop') void stop();
});

async function stop(): Promise<void> {
  await Promise.all(stages.map((stage) => stage.stop()));
  await store.close();
  flush();
  send({ kind: 'stopped' });
  port?.close();
}

for (const stage of stages) stage.start();
send({ kind: 'started' });
