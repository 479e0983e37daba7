import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/lib/clock.js';
import { Bus } from '../../src/observe/bus.js';
import { createJanitor } from '../../src/retention/janitor.js';
import { retentionPolicy } from '../../src/retention/policy.js';
import { createStages } from '../../src/stages.js';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import {
  cloudWebhook,
  countByType,
  PHONE_NUMBER_ID,
  postSigned,
  readEventsFrom,
  readInboxCounts,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Retention end to end: a server whose classes expire after a second, its janitor running on its
 * own interval, webhooks over HTTP. A subscription to message.received only, with no delivery role
 * running, keeps those events' deliveries pending: they and their events must survive every run.
 */
const SHORT = {
  WAHOOK_RETENTION_INBOX: '1s',
  WAHOOK_RETENTION_EVENTS: '1s',
  WAHOOK_RETENTION_MESSAGES: '1s',
  WAHOOK_RETENTION_DELIVERIES: '1s',
  WAHOOK_RETENTION_REQUESTS: '1s',
  WAHOOK_DEDUPE_WINDOW: '1h',
  WAHOOK_RETENTION_INTERVAL: '200ms',
  WAHOOK_DELIVERY_ALLOW_PRIVATE: 'true',
};

function inboundWebhook(n: number): Buffer {
  return cloudWebhook('messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
    contacts: [{ profile: { name: `Kunde ${n}` }, wa_id: `49151000000${n}` }],
    messages: [
      {
        from: `49151000000${n}`,
        id: testWamid('in', n),
        timestamp: '1767261600',
        type: 'text',
        text: { body: `hi ${n}` },
      },
    ],
  });
}

const servers: TestServer[] = [];
const dirs: TempDir[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.cleanup()));
  await Promise.all(dirs.splice(0).map((dir) => dir.remove()));
});

describe('retention', () => {
  it('empties every class past its retention but keeps pending deliveries, their events and dedupe keys', async () => {
    const server = await startTestServer({
      env: { WAHOOK_ROLES: 'receiver,worker', ...SHORT },
      stages: createStages,
    });
    servers.push(server);
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://crm.example.com/hooks', events: ['message.received'] }),
    });
    expect(created.status).toBe(201);
    const statuses = statusWebhook(
      Array.from({ length: 20 }, (_, n) => ({
        wamid: testWamid('out', n),
        status: 'delivered',
        timestamp: 1_767_261_600 + n,
      })),
    );
    await postSigned(server.url, statuses);
    for (let n = 0; n < 3; n += 1) await postSigned(server.url, inboundWebhook(n));
    await waitUntilSettled(server.url, 4);
    expect(countByType((await readEventsFrom(server.url)).events)).toEqual({
      'message.status': 20,
      'message.received': 3,
    });

    await waitFor(async () => {
      const counts = await readInboxCounts(server.url);
      const { events } = await readEventsFrom(server.url);
      const message = await adminRequest(server.url, `/v1/messages/${testWamid('out', 0)}`);
      return counts.total === 0 && events.length === 3 && message.status === 404;
    }, 'the janitor to purge the inbox, the status events and the message records');
    expect(countByType((await readEventsFrom(server.url)).events)).toEqual({ 'message.received': 3 });
    expect(await server.server.store.deliveryQueueStats(Date.now())).toMatchObject({ pending: 3 });

    // Meta retries the same webhook after its rows are gone: the tombstones make it no new event.
    await postSigned(server.url, statuses);
    await waitUntilSettled(server.url, 1);
    expect(countByType((await readEventsFrom(server.url)).events)).toEqual({ 'message.received': 3 });
  });

  it('never purges a pending inbox row', async () => {
    // The worker is left out, so the rows stay pending while the janitor runs.
    const server = await startTestServer({
      env: { WAHOOK_ROLES: 'receiver,worker', ...SHORT },
      stages: (context) => createStages(context).filter((stage) => stage.name !== 'worker'),
    });
    servers.push(server);
    for (let n = 0; n < 3; n += 1) await postSigned(server.url, inboundWebhook(n));
    const clock: Clock = { now: () => Date.now() + 86_400_000 };
    const janitor = createJanitor({
      store: server.server.store,
      policy: retentionPolicy(server.config),
      intervalMs: 0,
      bus: new Bus(),
      clock,
    });
    await janitor.runOnce();
    expect(await readInboxCounts(server.url)).toMatchObject({ total: 3, pending: 3 });
  });

  it('keeps the SQLite file flat over five fill-and-purge cycles of the same volume', async () => {
    const dir = await createTempDir();
    dirs.push(dir);
    const path = `${dir.path}/wahook.db`;
    const store = await createSqliteStore(path);
    let now = 1_767_261_600_000;
    const clock: Clock = { now: () => now };
    const policy = retentionPolicy({
      retentionInboxMs: 1_000,
      retentionEventsMs: 1_000,
      retentionMessagesMs: 1_000,
      retentionDeliveriesMs: 1_000,
      retentionRequestsMs: 1_000,
      dedupeWindowMs: 1_000,
    });
    const janitor = createJanitor({ store, policy, intervalMs: 0, bus: new Bus(), clock });
    const sizes: number[] = [];
    try {
      for (let cycle = 0; cycle < 5; cycle += 1) {
        await fillOnce(store, cycle, now);
        now += 10_000;
        await janitor.runOnce();
        // Tombstones are written by the purge: a second run after the window removes them too.
        now += 10_000;
        await janitor.runOnce();
        store.db.pragma('wal_checkpoint(TRUNCATE)');
        sizes.push(statSync(path).size);
        expect(await store.inboxStats()).toMatchObject({ total: 0 });
      }
    } finally {
      await store.close();
    }
    const oneCycle = sizes[0]!;
    expect(Math.max(...sizes) - sizes[0]!, `file sizes ${sizes.join(', ')}`).toBeLessThanOrEqual(oneCycle);
    expect(sizes[4]! - sizes[1]!, `file sizes ${sizes.join(', ')}`).toBeLessThanOrEqual(oneCycle / 5);
  });
});

/** One cycle's volume: 1,500 webhooks of ~2.5 KB, each processed into an event and a record. */
async function fillOnce(store: Awaited<ReturnType<typeof createSqliteStore>>, cycle: number, now: number) {
  const padding = 'x'.repeat(2_500);
  const ids = await store.appendInboxBatch(
    Array.from({ length: 1_500 }, (_, i) => ({
      receivedAt: now,
      source: 'meta',
      auth: 'hmac' as const,
      contentType: 'application/json',
      headers: {},
      body: Buffer.from(JSON.stringify({ cycle, i, padding })),
    })),
  );
  const claimed = await store.claimInbox({ owner: 'w', limit: ids.length, leaseMs: 60_000, now });
  await store.withProcessingTx(async (tx) => {
    await tx.insertEvents(
      claimed.map((row) => ({
        id: `evt_${cycle}_${row.id}`,
        type: 'message.status',
        schemaVersion: 1,
        createdAt: now,
        orderingKey: `wamid.${cycle}.${row.id}`,
        phoneNumberId: PHONE_NUMBER_ID,
        data: { padding: padding.slice(0, 500) },
      })),
    );
    await tx.putMessages(
      claimed.map((row) => ({
        id: `wamid.${cycle}.${row.id}`,
        record: { padding: padding.slice(0, 500) },
        status: 'sent',
        direction: 'outbound',
        phoneNumberId: PHONE_NUMBER_ID,
        firstSeenAt: now,
        updatedAt: now,
      })),
    );
    await tx.finishInboxRows(
      claimed.map((row) => ({ id: row.id, state: 'processed' as const, error: null })),
      'w',
      now,
    );
  });
}
