import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import {
  commitEvents,
  hourlyPollingDelivery,
  makeEvent,
  type Subscriber,
  startSubscriber,
} from '../helpers/delivery-fixtures.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { adminRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * With PostgreSQL and the roles on separate nodes, events a worker commits on one node wake the
 * delivery loop on another (the store's NOTIFY). The loop here polls once an hour and shares no
 * in-process wake-ups with the node that commits, so only the notification can deliver the event
 * within the test; without it the wait times out.
 */

describePostgres('events committed on another node wake the delivery loop', () => {
  const schemas = new TestSchemas('node-wakeup');
  let server: TestServer;
  let worker: PostgresStore;
  let sink: Subscriber;
  let failed = false;

  beforeAll(async () => {
    const { url } = await schemas.create();
    server = await startTestServer({
      env: { WAHOOK_DATABASE_URL: url, WAHOOK_ROLES: 'receiver,delivery' },
      stages: hourlyPollingDelivery,
    });
    expect(server.server.store.dialect).toBe('postgres');
    worker = await createPostgresStore(url, { poolSize: 2 });
    sink = await startSubscriber(() => ({ status: 200 }));
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: sink.url }),
    });
    expect(created.status).toBe(201);
  });
  afterEach((test) => {
    failed ||= test.task.result?.state === 'fail';
  });
  afterAll(async () => {
    await server?.cleanup();
    await worker?.close();
    await sink?.close();
    await schemas.finish(failed);
  });

  it('delivers events committed by another node at once, not at the next poll', async () => {
    // The loop claims once when it starts; wait for the listener before committing, so that the
    // delivery below can only come from the notification.
    await waitFor(
      async () =>
        (
          await schemas.admin.query(
            `SELECT 1 FROM pg_stat_activity WHERE query LIKE 'LISTEN "wahook_events_%'`,
          )
        ).rowCount === 1,
      'the delivery node to listen for events',
    );
    const [first] = await commitEvents(worker, [makeEvent('wamid.node-wakeup-1')]);
    await waitFor(() => sink.received.length === 1, 'the first event delivered');
    const [second] = await commitEvents(worker, [makeEvent('wamid.node-wakeup-2')]);
    await waitFor(() => sink.received.length === 2, 'the second event delivered');
    expect(sink.received.map((request) => request.headers['webhook-id'])).toEqual([first!.id, second!.id]);
  });
});
