import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { inboxChannel } from '../../src/store/postgres/inbox-wakeups.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
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
});
