import { describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/store/shared/migrations.js';
import type { ContractContext } from './contract.js';
import { inboxAppend, rejectedRequest } from './fixtures.js';

export function lifecycleContract(ctx: ContractContext): void {
  describe('rejected requests', () => {
    it('keeps the newest requests up to the bound, newest first, byte-exact', async () => {
      const store = await ctx.open();
      await store.recordRejected([0, 1, 2, 3].map(rejectedRequest), 5);
      await store.recordRejected([4, 5, 6, 7, 8].map(rejectedRequest), 5);
      const rows = await store.listRejected({ limit: 100 });
      expect(rows.map((row) => row.bodyBytes)).toEqual([1_008, 1_007, 1_006, 1_005, 1_004]);
      const { id: _id, ...newest } = rows[0]!;
      expect(newest).toEqual(rejectedRequest(8));
      const older = await store.listRejected({ limit: 2, beforeId: rows[1]!.id });
      expect(older.map((row) => row.bodyBytes)).toEqual([1_006, 1_005]);
    });
  });

  describe('health and lifecycle', () => {
    it('reports the store writable while it is open, and rejects every call once closed', async () => {
      const store = await ctx.open();
      await expect(store.checkWritable()).resolves.toBeUndefined();
      await store.close();
      await expect(store.checkWritable()).rejects.toThrow();
      await expect(store.appendInboxBatch([inboxAppend(0)])).rejects.toThrow();
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('applies every migration once and finds nothing to do the second time', async () => {
      const expected = loadMigrations(ctx.backend.name).map((migration) => migration.version);
      const store = await ctx.open();
      expect(await ctx.backend.appliedMigrations()).toEqual(expected);
      await store.migrate();
      await (await ctx.open()).migrate();
      expect(await ctx.backend.appliedMigrations()).toEqual(expected);
    });

    it('migrates safely when two stores start on an empty database at once', async () => {
      await ctx.backend.nextDatabase();
      const [one, two] = await Promise.all([ctx.open(), ctx.open()]);
      expect(await ctx.backend.appliedMigrations()).toEqual(
        loadMigrations(ctx.backend.name).map((migration) => migration.version),
      );
      const [a] = await one.appendInboxBatch([inboxAppend(0)]);
      const [b] = await two.appendInboxBatch([inboxAppend(1)]);
      expect((await two.getInboxRow(a!))?.receivedAt).toBe(inboxAppend(0).receivedAt);
      expect((await one.getInboxRow(b!))?.receivedAt).toBe(inboxAppend(1).receivedAt);
    });
  });
}
