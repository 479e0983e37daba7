import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import {
  type EventJson,
  type InboxCounts,
  type MessageJson,
  readEventsFrom,
  readInboxCounts,
  readMessage,
  type StatusSpec,
  statusWebhook,
  testWamid,
} from '../helpers/pipeline.js';
import { type ChildServer, spawnServe, TEST_ENV } from '../helpers/server.js';
import { signedHeaders } from '../helpers/signing.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A worker killed with SIGKILL in the middle of a backlog loses nothing and doubles nothing: a
 * receiver alone fills the inbox, a worker process is killed while draining it, a new one finishes
 * after the dead one's lease runs out. Every distinct status update then has exactly one event,
 * and every message record is what its updates say.
 */
/**
 * About 4800 bodies, 24 batches of the worker. A worker answers HTTP only between batches, and the
 * first /v1/stats answer comes some five batches in: the margin keeps the kill before the end.
 */
const MESSAGES = 6000;
const DUPLICATE_SHARE = 0.2;
const LEASE = '1s';
const BASE_TIME = 1767262000;

/** What message n goes through; its record must end at the last status. */
const FATES: readonly (readonly string[])[] = [
  ['sent'],
  ['sent', 'delivered'],
  ['sent', 'delivered', 'read'],
  ['sent', 'failed'],
];

const children: ChildServer[] = [];
let dir: TempDir | undefined;

afterEach(async () => {
  for (const child of children.splice(0)) await child.kill('SIGKILL');
  await dir?.remove();
  dir = undefined;
});

/** A fixed pseudo-random sequence, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function updatesOf(n: number): StatusSpec[] {
  const fate = FATES[n % FATES.length]!;
  return fate.map((status, step) => ({
    wamid: testWamid('crash', n),
    status,
    timestamp: BASE_TIME + n * 10 + step,
  }));
}

/** Bodies of one to five updates each, shuffled, with duplicates of some updates in other bodies. */
function buildBodies(): { bodies: Buffer[]; distinct: StatusSpec[] } {
  const random = seededRandom(7);
  const distinct = Array.from({ length: MESSAGES }, (_, n) => updatesOf(n)).flat();
  const all = [...distinct, ...distinct.filter(() => random() < DUPLICATE_SHARE)];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const bodies: Buffer[] = [];
  for (let start = 0; start < all.length; ) {
    const size = 1 + (bodies.length % 5);
    bodies.push(statusWebhook(all.slice(start, start + size)));
    start += size;
  }
  return { bodies, distinct };
}

async function startChild(roles: string, dbPath: string): Promise<ChildServer> {
  const child = await spawnServe({
    env: {
      ...TEST_ENV,
      WAHOOK_ROLES: roles,
      WAHOOK_HOST: '127.0.0.1',
      WAHOOK_PORT: '0',
      WAHOOK_DATABASE_URL: `sqlite:${dbPath}`,
      WAHOOK_WORKER_LEASE: LEASE,
      WAHOOK_LOG_LEVEL: 'warn',
    },
  });
  children.push(child);
  return child;
}

async function stopChild(child: ChildServer, signal: NodeJS.Signals): Promise<void> {
  await child.kill(signal);
  children.splice(children.indexOf(child), 1);
}

/** Posts every body signed, a few at a time over kept-alive connections, as Meta would. */
async function postAll(url: string, bodies: readonly Buffer[], concurrency = 16): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const response = await fetch(`${url}/webhooks/whatsapp`, {
        method: 'POST',
        headers: signedHeaders(body),
        body: new Uint8Array(body),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`webhook POST answered ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
}

async function readAllMessages(
  url: string,
  wamids: readonly string[],
  concurrency = 8,
): Promise<MessageJson[]> {
  const records: MessageJson[] = new Array(wamids.length);
  let next = 0;
  const reader = async () => {
    while (next < wamids.length) {
      const index = next++;
      records[index] = await readMessage(url, wamids[index]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, reader));
  return records;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const updateKey = (wamid: unknown, status: unknown, timestamp: unknown) =>
  JSON.stringify([wamid, status, timestamp]);

test('a worker killed mid-backlog is replaced without losing or doubling an event', {
  timeout: 120_000,
}, async () => {
  dir = await createTempDir('wahook-crash-');
  const dbPath = join(dir.path, 'wahook.db');
  const { bodies, distinct } = buildBodies();

  const receiver = await startChild('receiver', dbPath);
  await postAll(receiver.url, bodies);
  expect(await readInboxCounts(receiver.url)).toMatchObject({ total: bodies.length, pending: bodies.length });
  await stopChild(receiver, 'SIGTERM');

  // Kill the first worker as soon as it has committed some of the backlog but not all of it.
  const doomed = await startChild('worker', dbPath);
  let atKill: InboxCounts | undefined;
  await waitFor(
    async () => {
      atKill = await readInboxCounts(doomed.url);
      return atKill.processed > 0;
    },
    'the first worker to commit a batch',
    30_000,
  );
  await stopChild(doomed, 'SIGKILL');
  expect(
    atKill!.processed,
    'the worker finished before it was killed: the test needs more rows',
  ).toBeLessThan(bodies.length);

  const survivor = await startChild('worker', dbPath);
  let settled: InboxCounts | undefined;
  await waitFor(
    async () => {
      settled = await readInboxCounts(survivor.url);
      return settled.pending === 0;
    },
    'the new worker to drain the inbox',
    60_000,
  );
  expect(settled).toMatchObject({ total: bodies.length, processed: bodies.length, quarantined: 0 });

  const { events } = await readEventsFrom(survivor.url);
  expect(new Set(events.map((event: EventJson) => event.id)).size).toBe(events.length);
  expect(events.every((event) => event.type === 'message.status')).toBe(true);
  const seen = events.map((event) =>
    updateKey(event.data.messageId, event.data.status, event.data.timestamp),
  );
  const expected = distinct.map((update) => updateKey(update.wamid, update.status, iso(update.timestamp)));
  expect(seen.length).toBe(distinct.length);
  expect(new Set(seen)).toEqual(new Set(expected));

  const wamids = Array.from({ length: MESSAGES }, (_, n) => testWamid('crash', n));
  const records = await readAllMessages(survivor.url, wamids);
  const wrong = records.flatMap((record, n) => {
    const updates = updatesOf(n);
    const want = {
      status: updates.at(-1)!.status,
      history: updates.map((update) => [update.status, iso(update.timestamp)]),
    };
    const got = {
      status: record.status,
      history: record.history.map((entry) => [entry.status, entry.timestamp]),
    };
    return JSON.stringify(got) === JSON.stringify(want) ? [] : [{ wamid: wamids[n], want, got }];
  });
  expect(wrong).toEqual([]);
});
