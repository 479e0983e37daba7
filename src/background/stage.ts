import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BusEventName, BusEvents } from '../observe/bus.js';
import type { StageContext } from '../server.js';
import type { Stage } from '../stage.js';
import { type BackgroundRole, type FromBackground, type ToBackground, WAKEUPS_OF } from './messages.js';

/**
 * Main-thread side of a background thread (thread.ts): processing or delivery runs there, so its
 * synchronous store calls, JSON work and signatures never stand between a webhook and its 200.
 * Bus events from the thread are emitted again on this thread's bus, and wake-ups cross in both
 * directions (messages.ts). A thread that dies is started again after a second; leases bring back
 * whatever it held.
 */

const RESTART_MS = 1_000;

export function createBackgroundStage(context: StageContext, role: BackgroundRole): Stage {
  let worker: Worker | undefined;
  let stopping = false;
  let restart: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const post = (message: ToBackground) => worker?.postMessage(message);

  const spawn = () => {
    const thread = new Worker(threadFile(), { workerData: { config: context.config, role } });
    // Read now: once the thread has stopped, threadId answers -1.
    const { threadId } = thread;
    thread.on('message', (message: FromBackground) => {
      if (message.kind === 'wakeup') context.wakeups.signal(message.signal);
      if (message.kind !== 'bus') return;
      for (const [name, payload] of message.events)
        context.bus.emit(name, payload as BusEvents[BusEventName]);
    });
    thread.on('error', (err) => {
      context.bus.emit('loop:error', { loop: `background:${role}`, error: err.message });
    });
    thread.on('exit', () => {
      context.store.threadExited(threadId);
      if (worker === thread) worker = undefined;
      if (stopping) return;
      restart = setTimeout(spawn, RESTART_MS);
    });
    worker = thread;
  };

  return {
    name: `background:${role}`,
    start() {
      if (worker || stopping) return;
      const forwards = WAKEUPS_OF[role].hears.map((signal) =>
        context.wakeups.on(signal, () => post({ kind: 'wakeup', signal })),
      );
      unsubscribe = () => {
        for (const forward of forwards) forward();
      };
      spawn();
    },
    async stop() {
      stopping = true;
      clearTimeout(restart);
      unsubscribe?.();
      const thread = worker;
      if (!thread) return;
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      post({ kind: 'stop' });
      await exited;
    },
  };
}

/** From the build, the sibling file; when the source runs under the test runner, the one in dist/. */
function threadFile(): URL {
  const sibling = new URL('./thread.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  return new URL(import.meta.url.replace('/src/', '/dist/').replace(/stage\.ts$/, 'thread.js'));
}
