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
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import type { ChildServer } from '../helpers/server.js';

/**
 * Topology 2 of docs/deploy.md on one machine: two receivers, two workers and a delivery loop as
 * separate processes on one schema. Every webhook reaches both receivers, as a load balancer
 * retrying on a slow answer would cause, and the workers split the inbox between them. The result
 * must be as if one process had seen every update once.
 */
const MESSAGES = 600;

describePostgres('wahook processes sharing one PostgreSQL schema', () => {
  const schemas = new TestSchemas('cluster');
  let cluster: Cluster;
  let databaseUrl: string;
  let receivers: ChildServer[];
  let passed = false;

  beforeAll(async () => {
    databaseUrl = (await schemas.create()).url;
    cluster = new Cluster(databaseUrl);
    // One node first, so the migrations are in place before the others race to start.
    const first = await cluster.start('receiver');
    const rest = await Promise.all([
      cluster.start('receiver'),
      cluster.start('worker'),
      cluster.start('worker'),
      cluster.start('delivery'),
    ]);
    receivers = [first, rest[0]];
  }, 60_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await schemas.finish(!passed);
  });

  it('stores every update sent to both receivers and turns it into exactly one event', {
    timeout: 120_000,
  }, async () => {
    const load = buildStatusLoad('cluster', MESSAGES);
    const outcomes: PostOutcome[][] = [];
    await forEachConcurrently(load.bodies, 8, async (body, index) => {
      outcomes[index] = await Promise.all(receivers.map((receiver) => postWebhook(receiver.url, body)));
    });
    const notOk = outcomes.flat().filter((outcome) => !('status' in outcome) || outcome.status !== 200);
    expect(notOk, 'every POST to either receiver answers 200').toEqual([]);

    const counts = await waitUntilDrained(receivers[0]!.url, 60_000);
    expect(counts).toMatchObject({ total: 2 * load.bodies.length, quarantined: 0 });

    const stored = await readInboxBodyCounts(databaseUrl);
    const lost = load.bodies.filter((body) => stored.get(sha256(body)) !== receivers.length);
    expect(lost.length, 'bodies answered 200 by both receivers but not stored twice').toBe(0);

    const ledger = await checkEvents(receivers[1]!.url, load.updates);
    expect(ledger).toEqual({
      eventCount: load.updates.length,
      distinctEventIds: load.updates.length,
      missing: [],
      unexpected: [],
      doubled: [],
    });
    expect(await findWrongRecords(receivers[0]!.url, load.wamids)).toEqual([]);
    passed = true;
  });
});
