import { afterAll, beforeAll, expect, it } from 'vitest';
import { WahookError } from '../../src/errors.js';
import { LOCK_CLASS, schemaLockKey } from '../../src/store/postgres/locks.js';
import { createPostgresStore } from '../../src/store/postgres/store.js';
import { describePostgres, TEST_DATABASE_URL, TestSchemas, urlWithSchema } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { inboxAppend } from './fixtures.js';

/** What only PostgreSQL can get wrong at startup and in its number handling. */
describePostgres('PostgreSQL store setup', () => {
  const schemas = new TestSchemas('setup');
  let target: { schema: string; url: string };
  let passed = 0;

  beforeAll(async () => {
    target = await schemas.create();
  });
  afterAll(() => schemas.finish(passed < 5));

  it('refuses a database where commits are not durable', async () => {
    const url = new URL(target.url);
    url.searchParams.set('options', `${url.searchParams.get('options')} -c synchronous_commit=off`);
    const opening = createPostgresStore(url.toString());
    await expect(opening).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(opening).rejects.toThrow(/synchronous_commit is off/);
    passed += 1;
  });

  it('names the schema problem when search_path points at no schema', async () => {
    const opening = createPostgresStore(urlWithSchema(TEST_DATABASE_URL, 'wahook_test_no_such_schema'));
    await expect(opening).rejects.toMatchObject({ code: 'config_invalid' });
    await expect(opening).rejects.toThrow(/search_path/);
    passed += 1;
  });

  it('names where it tried to connect, without the password, when nothing answers', async () => {
    const opening = createPostgresStore('postgres://wahook:s3cret-pw@127.0.0.1:1/wahook', {
      connectTimeoutMs: 500,
    });
    const error = await opening.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WahookError);
    expect(error).toMatchObject({ code: 'store_unavailable' });
    expect((error as Error).message).toContain('127.0.0.1:1/wahook');
    expect((error as Error).message).not.toContain('s3cret-pw');
    passed += 1;
  });

  it('waits for another node to finish migrating, however long that outlasts the query deadline', async () => {
    const fresh = await schemas.create();
    const key = [LOCK_CLASS.migrate, schemaLockKey(fresh.schema)];
    const holder = await schemas.admin.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, $2)', key);
      const opening = createPostgresStore(fresh.url, { statementTimeoutMs: 200 });
      // Its pool's queries give up after 1.2 s; the migration wait must not.
      const waitedLong = waitFor(async () => {
        const waiting = await schemas.admin.query(
          `SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND NOT l.granted AND l.classid = $1 AND l.objid = $2::int::oid
             AND now() - a.query_start > interval '1500 milliseconds'`,
          key,
        );
        return (waiting.rowCount ?? 0) > 0;
      }, 'a migration waiting on the lock for 1.5 s');
      await Promise.race([
        waitedLong,
        opening.then(() => {
          throw new Error('the store opened while another node held the migration lock');
        }),
      ]);
      await holder.query('SELECT pg_advisory_unlock($1, $2)', key);
      await (await opening).close();
      passed += 1;
    } finally {
      holder.release();
    }
  });

  it('reads BIGINT columns as numbers and refuses one past 2^53 rather than rounding it', async () => {
    const store = await createPostgresStore(target.url, { poolSize: 1 });
    try {
      const [id] = await store.appendInboxBatch([inboxAppend(0, { receivedAt: 4_102_444_800_000 })]);
      expect((await store.getInboxRow(id!))?.receivedAt).toBe(4_102_444_800_000);
      await store.pool.query(
        `INSERT INTO inbox (id, received_at, source, auth, headers, body)
         OVERRIDING SYSTEM VALUE VALUES (9007199254740993, 0, 'meta', 'hmac', '{}', '')`,
      );
      const claiming = store.claimInbox({ owner: 'a', limit: 10, now: 0, leaseMs: 1 });
      await expect(claiming).rejects.toThrow(/9007199254740993 is beyond 2\^53/);
      passed += 1;
    } finally {
      await store.close();
    }
  });
});
