import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../../src/deliver/signing.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import {
  commitEvents,
  eventIdOf,
  makeEvent,
  startSubscriber,
  tempStore,
} from '../helpers/delivery-fixtures.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A delivery process killed with SIGKILL in the middle of its attempts loses nothing: after a
 * restart every event reaches the subscriber at least once, and deduplicating on webhook-id
 * leaves exactly one copy of each.
 */
const CHILD = fileURLToPath(new URL('../helpers/delivery-crash-child.mjs', import.meta.url));
const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startChild(path: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CHILD, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor(() => output.includes('ready') || child.exitCode !== null, 'the delivery process is ready');
  if (child.exitCode !== null) throw new Error(`the delivery process exited with ${child.exitCode}`);
  return child;
}

describe('delivery across a crash', () => {
  it('delivers every event at least once after SIGKILL mid-attempts, exactly once after dedupe', async () => {
    const temp = await tempStore();
    cleanups.push(temp.cleanup);
    const secret = generateSecret();
    // Slow answers so that the kill lands while attempts are in flight.
    let answering = 0;
    const sink = await startSubscriber(async () => {
      answering += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      answering -= 1;
      return { status: 200 };
    });
    cleanups.push(sink.close);
    await temp.store.createSubscription({
      id: 'crash',
      url: sink.url,
      events: ['*'],
      phoneNumberIds: null,
      headers: {},
      description: null,
      enabled: true,
      secret,
      source: 'api',
      now: Date.now(),
    });
    const events = Array.from({ length: 60 }, (_, i) => makeEvent(`wamid.C${i % 6}`));
    await commitEvents(temp.store, events);

    const first = await startChild(temp.path);
    await waitFor(
      () => sink.received.length >= 15 && answering > 0,
      'some events are delivered, more in flight',
    );
    first.kill('SIGKILL');
    await once(first, 'exit');
    expect(new Set(sink.received.map(eventIdOf)).size).toBeLessThan(events.length);
    const leased = temp.store.db
      .prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending' AND lease_until IS NOT NULL`)
      .get() as { n: number };
    expect(leased.n, 'the killed process held leases on attempts in flight').toBeGreaterThan(0);

    const second = await startChild(temp.path);
    await waitFor(() => new Set(sink.received.map(eventIdOf)).size === events.length, 'every event arrives');
    second.kill('SIGTERM');
    await once(second, 'exit');

    const unique = new Set(sink.received.map(eventIdOf));
    expect(unique).toEqual(new Set(events.map((event) => event.id)));
    const webhook = new Webhook(secret);
    for (const request of sink.received) {
      expect(() => webhook.verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
    const check = await createSqliteStore(temp.path);
    cleanups.push(() => check.close());
    const states = check.db.prepare('SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state').all();
    expect(states).toEqual([{ state: 'succeeded', n: events.length }]);
  });
});
