import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Store } from '../../../../src/store/ports.js';
import { sqlOps as postgresSqlOps } from '../../../../src/store/postgres/sql.js';
import type { PostgresStore } from '../../../../src/store/postgres/store.js';
import { messageContexts } from '../../../../src/store/shared/sends.js';
import type { SqlOps } from '../../../../src/store/shared/sql-ops.js';
import { sqlOps as sqliteSqlOps } from '../../../../src/store/sqlite/sql.js';
import type { SqliteStore } from '../../../../src/store/sqlite/store.js';
import { postgresBackend, type StoreBackend, sqliteBackend } from '../../../helpers/stores.js';

/** SqlOps that records each statement it runs. */
function counting(ops: SqlOps): { ops: SqlOps; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    ops: {
      dialect: ops.dialect,
      query(sql, params) {
        statements.push(sql);
        return ops.query(sql, params);
      },
    },
  };
}

function opsOf(backend: StoreBackend, store: Store): SqlOps {
  return backend.name === 'sqlite'
    ? sqliteSqlOps((store as SqliteStore).db)
    : postgresSqlOps((store as PostgresStore).pool);
}

for (const backend of [sqliteBackend('sends-batch'), postgresBackend('sends-batch')]) {
  backend.describe(`message context of a batch on ${backend.name}`, () => {
    let store: Store;
    beforeAll(async () => {
      await backend.setup();
      store = await backend.open();
    });
    afterAll(async () => {
      await store.close();
      await backend.teardown(false);
    });

    it('reads the context of every wamid of a batch in one statement', async () => {
      const wamids: string[] = [];
      for (let i = 0; i < 40; i += 1) {
        const wamid = `wamid.B${i}`;
        wamids.push(wamid);
        if (i % 2 === 0) await store.putMessageMetadata(wamid, { n: i }, 1_000);
      }
      const { ops, statements } = counting(opsOf(backend, store));
      const contexts = await messageContexts(ops, [...wamids, 'wamid.B0', 'wamid.UNKNOWN']);
      expect(contexts.size).toBe(20);
      expect(contexts.get('wamid.B4')).toEqual({ wamid: 'wamid.B4', metadata: { n: 4 }, send: null });
      expect(statements).toHaveLength(1);
    });
  });
}
