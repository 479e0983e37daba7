import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  buildStatusLoad,
  Cluster,
  checkEvents,
  findWrongRecords,
  forEachConcurrently,
  type PostOutcome,
  postWebhook,
  readInboxBodyCounts,
  sha256,
  waitUntilDrained,
} from '../helpers/cluster.js';
import { readInboxCounts } from '../helpers/pipeline.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import type { ChildServer } from '../helpers/server.js';

/**
 * A receiver and a worker vanish mid-load (SIGKILL, as a lost machine would), on a PostgreSQL
 * cluster of two receivers, two workers and a delivery loop. Senders behave like Meta: a POST that
 * fails on the connection is sent again, here to the surviving receiver. Whatever was acknowledged
 * must be stored, the dead worker's claimed rows must come back to the living one after its lease,
 * and no update may turn into two events.
 */
const MESSAGES = 500;
const LEASE = '2s';
const MAX_ATTEMPTS = 5;

describePostgres('a PostgreSQL cluster losing a receiver and a worker mid-load', () => {
  const schemas = new TestSchemas('crash');
  let cluster: Cluster;
  let databaseUrl: string;
  let receivers: ChildServer[];
  let workers: ChildServer[];
  let passed = false;

  beforeAll(async () => {
    databaseUrl = (await schemas.create()).url;
    cluster = new Cluster(databaseUrl);
    const env = { WAHOOK_WORKER_LEASE: LEASE };
    const first = await cluster.start('receiver', env);
    const [second, w1, w2] = await Promise.all([
      cluster.start('receiver', env),
      cluster.start('worker', env),
      cluster.start('worker', env),
      cluster.start('delivery', env),
    ]);
    receivers = [first, second!];
    workers = [w1!, w2!];
  }, 60_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await schemas.finish(!passed);
  });

  /** Alternates receivers; a failed attempt goes to the next receiver, as Meta's retry would. */
  async function sendUntilAcknowledged(body: Buffer, index: number): Promise<PostOutcome[]> {
    const attempts: PostOutcome[] = [];
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const receiver = receivers[(index + attempt) % receivers.length]!;
      const outcome = await postWebhook(receiver.url, body);
      attempts.push(outcome);
      if ('status' in outcome && outcome.status === 200) break;
    }
    return attempts;
  }

  it('loses no acknowledged update and processes none twice', { timeout: 120_000 }, async () => {
    const load = buildStatusLoad('pgcrash', MESSAGES);
    const [doomedReceiver, survivingReceiver] = receivers as [ChildServer, ChildServer];
    const [doomedWorker] = workers as [ChildServer, ChildServer];
    const killAt = Math.floor(load.bodies.length / 2);
    let killing: Promise<unknown> | undefined;
    let processedAtKill = 0;

    const attempts: PostOutcome[][] = [];
    await forEachConcurrently(load.bodies, 8, async (body, index) => {
      if (index === killAt) {
        // The kill waits for proof the workers are busy, so it lands while rows are claimed.
        killing = (async () => {
          processedAtKill = (await readInboxCounts(survivingReceiver.url)).processed;
          await Promise.all([doomedReceiver.kill('SIGKILL'), doomedWorker.kill('SIGKILL')]);
        })();
      }
      attempts[index] = await sendUntilAcknowledged(body, index);
    });
    await killing;

    const acknowledged = load.bodies.filter((_, index) =>
      attempts[index]!.some((outcome) => 'status' in outcome && outcome.status === 200),
    );
    const failedOnConnection = attempts.flat().filter((outcome) => 'error' in outcome).length;
    expect(processedAtKill, 'workers had processed nothing when the kill came').toBeGreaterThan(0);
    expect(failedOnConnection, 'no POST met the killed receiver: the kill came too late').toBeGreaterThan(0);
    expect(acknowledged.length, 'every body is acknowledged by some receiver').toBe(load.bodies.length);

    const counts = await waitUntilDrained(survivingReceiver.url, 60_000);
    expect(counts.quarantined).toBe(0);

    const stored = await readInboxBodyCounts(databaseUrl);
    const lost = acknowledged.filter((body) => (stored.get(sha256(body)) ?? 0) < 1);
    expect(lost.length, 'acknowledged bodies missing from the inbox').toBe(0);

    const ledger = await checkEvents(survivingReceiver.url, load.updates);
    expect(ledger).toEqual({
      eventCount: load.updates.length,
      distinctEventIds: load.updates.length,
      missing: [],
      unexpected: [],
      doubled: [],
    });
    expect(await findWrongRecords(survivingReceiver.url, load.wamids)).toEqual([]);
    passed = true;
  });
});
