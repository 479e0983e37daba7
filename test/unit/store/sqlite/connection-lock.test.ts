import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConnectionLock } from '../../../../src/store/sqlite/connection-lock.js';
import { WriteTurns } from '../../../../src/store/sqlite/write-turns.js';

/** The one door to the store's connection (connection-lock.ts): writes in a turn, reads read-only. */
describe('the connection lock', () => {
  const setup = () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    const buffer = new SharedArrayBuffer(8);
    return { db, cells: new Int32Array(buffer), lock: new ConnectionLock(db, new WriteTurns(buffer)) };
  };

  it('refuses a write that came in as a read, and leaves the connection writable after', async () => {
    const { db, lock } = setup();
    await expect(lock.read(() => db.prepare('INSERT INTO t VALUES (1)').run())).rejects.toMatchObject({
      code: 'SQLITE_READONLY',
    });
    await lock.write(() => db.prepare('INSERT INTO t VALUES (2)').run());
    expect(await lock.read(() => db.prepare('SELECT x FROM t').pluck().all())).toEqual([2]);
  });

  it("holds this thread's turn for the whole of a write, and none for a read", async () => {
    const { cells, lock } = setup();
    const owner = () => Atomics.load(cells, 0);
    const during = await lock.write(async () => {
      const first = owner();
      await Promise.resolve();
      return [first, owner()];
    });
    expect(during[0]).toBeGreaterThan(0);
    expect(during[1]).toBe(during[0]);
    expect(owner()).toBe(0);
    expect(await lock.read(owner)).toBe(0);
  });
});
