import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { inboxChannel } from '../../src/store/postgres/notify-channel.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { commitEvents, makeEvent } from '../helpers/delivery-fixtures.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { inboxAppend } from './fixtures.js';

/** LISTEN/NOTIFY wake-ups between nodes sharing a schema, including after the listener is cut off. */
describePostgres('PostgreSQL inbox wake-ups', () => {
  const schemas = new TestSchemas('wakeups');
  let schema: string;
  let listener: PostgresStore;
  let appender: PostgresStore;
  let failed = false;

  beforeAll(async () => {
    const created = await schemas.create();
    schema = created.schema;
    listener = await createPostgresStore(created.url, { poolSize: 2 });
    appender = await createPostgresStore(created.url, { poolSize: 2 });
  });
  afterEach((test) => {
    failed ||= test.task.result?.state === 'fail';
  });
  afterAll(async () => {
    await listener?.close();
    await appender?.close();
    await schemas.finish(failed);
  });

  const listeningBackends = async () => {
    const result = await schemas.admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE query = $1',
      [`LISTEN "${inboxChannel(schema)}"`],
    );
    return result.rows.map((row) => row.pid);
  };

  it('wakes a listener on another node after each append', async () => {
    let wakes = 0;
    const unsubscribe = listener.onInboxAppended(() => {
      wakes += 1;
    });
    // Once listening it wakes once, for anything appended while it was not.
    await waitFor(() => wakes === 1, 'the first wake-up');
    await appender.appendInboxBatch([inboxAppend(0)]);
    await waitFor(() => wakes === 2, 'a wake-up after the append');
    unsubscribe();
    await waitFor(async () => (await listeningBackends()).length === 0, 'the listening connection to close');
  });

  it('listens again after its connection is killed, and wakes everyone when it is back', async () => {
    let wakes = 0;
    const unsubscribe = listener.onInboxAppended(() => {
      wakes += 1;
    });
    await waitFor(() => wakes === 1, 'the first wake-up');
    const [pid] = await listeningBackends();
    expect(pid).toBeDefined();
    await schemas.admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(() => wakes === 2, 'the wake-up after reconnecting');
    expect(await listeningBackends()).not.toContain(pid);
    await appender.appendInboxBatch([inboxAppend(1)]);
    await waitFor(() => wakes === 3, 'a wake-up for an append after reconnecting');
    unsubscribe();
  });

  it('wakes an events listener on another node after a processing commit adds events, not after one that adds none', async () => {
    let wakes = 0;
    const unsubscribe = listener.onEventsAppended(() => {
      wakes += 1;
    });
    await waitFor(() => wakes === 1, 'the first wake-up');
    const event = makeEvent('wamid.wakeups-events');
    await commitEvents(appender, [event]);
    await waitFor(() => wakes === 2, 'a wake-up after the events commit');
    // The same event again is a duplicate: nothing new, so no NOTIFY. The inbox append after it
    // is on the other channel; its wake-up reaching the inbox listener means the NOTIFYs before it
    // were sent, so a stray events wake-up would have arrived by then too.
    await commitEvents(appender, [event]);
    let inboxWakes = 0;
    const inbox = listener.onInboxAppended(() => {
      inboxWakes += 1;
    });
    await waitFor(() => inboxWakes === 1, 'the inbox listener to listen');
    await appender.appendInboxBatch([inboxAppend(2)]);
    await waitFor(() => inboxWakes === 2, 'the inbox wake-up');
    expect(wakes).toBe(2);
    inbox();
    unsubscribe();
  });
});
