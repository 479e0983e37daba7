import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { describePostgres, TEST_DATABASE_URL, TestSchemas } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';
import { inboxAppend } from './fixtures.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * When PostgreSQL goes away, appends and the readiness check must fail within the configured
 * timeouts (the receiver then answers 503) rather than hang, and the store must recover by itself
 * when the database is back. The outage is staged with a proxy between the store and the server.
 */
describePostgres('PostgreSQL store during an outage', () => {
  const schemas = new TestSchemas('outage');
  let proxy: TcpProxy;
  let store: PostgresStore;
  let passed = false;

  beforeAll(async () => {
    const { url } = await schemas.create();
    const target = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    store = await createPostgresStore(viaProxy.toString(), {
      connectTimeoutMs: 500,
      statementTimeoutMs: 1_000,
    });
  });

  afterAll(async () => {
    // The proxy goes first: a stalled connection would keep the pool from ending.
    await proxy?.close();
    await store?.close();
    await schemas.finish(!passed);
  });

  const appendSucceeds = async () => {
    try {
      await store.appendInboxBatch([inboxAppend(0)]);
      return true;
    } catch {
      return false;
    }
  };

  it('rejects appends while the database refuses connections, and recovers when it is back', async () => {
    await store.appendInboxBatch([inboxAppend(0)]);
    proxy.setMode('refuse');
    await expect(store.appendInboxBatch([inboxAppend(1)])).rejects.toThrow();
    await expect(store.checkWritable()).rejects.toThrow();
    proxy.setMode('forward');
    await waitFor(appendSucceeds, 'an append after the database came back');
    await expect(store.checkWritable()).resolves.toBeUndefined();
  });

  it('rejects appends on a network that swallows packets, and recovers when it heals', async () => {
    await store.appendInboxBatch([inboxAppend(2)]);
    proxy.setMode('blackhole');
    await expect(store.appendInboxBatch([inboxAppend(3)])).rejects.toThrow();
    await expect(store.checkWritable()).rejects.toThrow();
    proxy.setMode('forward');
    await waitFor(appendSucceeds, 'an append after the network healed');
    passed = true;
  });
});
