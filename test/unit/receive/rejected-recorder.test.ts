import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Bus } from '../../../src/observe/bus.js';
import { RejectedRecorder } from '../../../src/receive/rejected-recorder.js';
import type { RejectedRequest } from '../../../src/store/ports.js';
import { createSqliteStore, type SqliteStore } from '../../../src/store/sqlite/store.js';
import { createTempDir, type TempDir } from '../../helpers/tmp.js';

/** The log of refused requests is bounded in memory and on disk, so a flood cannot grow either. */
let dir: TempDir;
let store: SqliteStore;
let bus: Bus;
let dropped: number;

beforeEach(async () => {
  dir = await createTempDir();
  store = await createSqliteStore(join(dir.path, 'wahook.db'));
  bus = new Bus();
  dropped = 0;
  bus.on('rejected_log:dropped', ({ count }) => {
    dropped += count;
  });
});
afterEach(async () => {
  await store.close();
  await dir.remove();
});

const refused = (reason: string): RejectedRequest => ({
  receivedAt: 1_767_261_600_000,
  method: 'POST',
  path: '/webhooks/whatsapp',
  status: 401,
  reason,
  hints: [],
  headers: {},
  bodyPrefix: Buffer.from('{}'),
  bodyBytes: 2,
  remoteAddress: '127.0.0.1',
});

describe('RejectedRecorder', () => {
  test('writes what it buffered on flush, newest listed first', async () => {
    const recorder = new RejectedRecorder(store, bus, { maxRows: 100, maxBuffered: 10, flushMs: 60_000 });
    recorder.record(refused('first'));
    recorder.record(refused('second'));
    expect(await store.listRejected({ limit: 10 })).toEqual([]);
    await recorder.close();
    expect((await store.listRejected({ limit: 10 })).map((row) => row.reason)).toEqual(['second', 'first']);
  });

  test('counts requests past the in-memory bound as dropped instead of buffering them', async () => {
    const recorder = new RejectedRecorder(store, bus, { maxRows: 100, maxBuffered: 2, flushMs: 60_000 });
    for (const reason of ['a', 'b', 'c', 'd']) recorder.record(refused(reason));
    await recorder.close();
    expect(dropped).toBe(2);
    expect(await store.listRejected({ limit: 10 })).toHaveLength(2);
  });

  test('keeps about maxRows rows on disk, dropping the oldest', async () => {
    const recorder = new RejectedRecorder(store, bus, { maxRows: 10, maxBuffered: 100, flushMs: 60_000 });
    for (let index = 0; index < 25; index++) recorder.record(refused(`r${index}`));
    await recorder.flush();
    const rows = await store.listRejected({ limit: 100 });
    expect(rows).toHaveLength(10);
    expect(rows[0]?.reason).toBe('r24');
    await recorder.close();
  });
});
