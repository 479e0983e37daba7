import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';

/**
 * The JavaScript file of one of this folder's worker threads (worker threads need JavaScript). From
 * the build it is the sibling file; when the source runs under the test runner it is the same file
 * in dist/, which `npm test` builds first.
 */
export function sqliteThreadFile(name: 'writer-thread' | 'checkpoint-thread'): URL {
  const sibling = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const fromDist = new URL(import.meta.url.replace('/src/', '/dist/').replace(/\.ts$/, '.js'));
  return new URL(`./${name}.js`, fromDist);
}

/**
 * Asks a thread to close its connection and waits until it has exited. The thread is referenced
 * meanwhile: waiting on an unreferenced one would let a process with nothing else to do exit first.
 */
export async function stopThread(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.ref();
  worker.postMessage('close');
  await exited;
}
