import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { GroupCommitter } from '../../../src/inbox/group-commit.js';
import { Wakeups } from '../../../src/lib/wakeups.js';
import { Bus } from '../../../src/observe/bus.js';
import type { InboxAppend } from '../../../src/store/ports.js';
import { openSqlite } from '../../../src/store/sqlite/connection.js';
import { SqliteInboxWriter } from '../../../src/store/sqlite/inbox-writer.js';
import { migrateSqlite } from '../../../src/store/sqlite/migrate.js';

import { createTempDir, type TempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

/** Group commit over the real SQLite writer thread: one transaction for a burst, 200s only when durable. */
let dir: TempDir;
let db: Database.Database;
let writer: SqliteInboxWriter;
let bus: Bus;
let commits: number[];
let failures: string[];

beforeEach(async () => {
  dir = await createTempDir();
  const path = join(dir.path, 'wahook.db');
  db = openSqlite(path);
  migrateSqlite(db);
  writer = new SqliteInboxWriter(path);
  bus = new Bus();
  commits = [];
  failures = [];
  bus.on('inbox:committed', ({ rows }) => commits.push(rows));
  bus.on('inbox:commit_failed', ({ error }) => failures.push(error));
});
afterEach(async () => {
  await writer.close();
  db.close();
  await dir.remove();
});

const row = (text: string): InboxAppend => ({
  receivedAt: 1_767_261_600_000,
  source: 'meta',
  auth: 'hmac',
  contentType: 'application/json',
  headers: {},
  body: Buffer.from(text),
});

/** Wake-ups whose listener errors go to the bus, as the server wires them. */
const busWakeups = () =>
  new Wakeups((signal, error) =>
    bus.emit('loop:error', { loop: 'wakeups', error: `${signal}: ${error.message}` }),
  );

const committer = (
  options: { maxBatch?: number; commitTimeoutMs?: number } = {},
  wakeups: Wakeups = busWakeups(),
) =>
  new GroupCommitter(
    (rows) => writer.append(rows),
    { maxBatch: options.maxBatch ?? 512, commitTimeoutMs: options.commitTimeoutMs ?? 5_000 },
    bus,
    wakeups,
  );

const storedBodies = () =>
  (db.prepare('SELECT body FROM inbox ORDER BY id').all() as { body: Buffer }[]).map((r) =>
    r.body.toString(),
  );

describe('GroupCommitter', () => {
  test('appends made in the same turn share one transaction and each gets its own id', async () => {
    const inbox = committer();
    const ids = await Promise.all(['a', 'b', 'c', 'd'].map((text) => inbox.append(row(text))));
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(commits).toEqual([4]);
    expect(storedBodies()).toEqual(['a', 'b', 'c', 'd']);
  });

  test('appends that arrive during a commit go together in the next one', async () => {
    const inbox = committer();
    const first = inbox.append(row('first'));
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 10 }, (_, index) => inbox.append(row(`later${index}`)));
    await Promise.all([first, ...later]);
    expect(commits).toEqual([1, 10]);
  });

  test('splits a burst larger than maxBatch across consecutive commits, in order', async () => {
    const inbox = committer({ maxBatch: 4 });
    const ids = await Promise.all(Array.from({ length: 10 }, (_, index) => inbox.append(row(`m${index}`))));
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(commits).toEqual([4, 4, 2]);
  });

  test('an overdue commit rejects every append in its batch, and the committer goes on working', async () => {
    const inbox = committer({ commitTimeoutMs: 500 });
    db.exec('BEGIN IMMEDIATE');
    const outcomes = await Promise.allSettled([inbox.append(row('x')), inbox.append(row('y'))]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(failures).toEqual([expect.stringContaining('longer than 500 ms')]);
    db.exec('ROLLBACK');
    // The writer was still waiting for the lock, so the refused batch lands late; the sender's retry
    // of it is a duplicate that processing absorbs.
    await waitFor(() => storedBodies().length === 2, 'the overdue batch to land');
    await expect(inbox.append(row('z'))).resolves.toBe(3);
    expect(storedBodies()).toEqual(['x', 'y', 'z']);
  });

  test('appends queued behind an overdue commit are refused within the same budget', async () => {
    const inbox = committer({ commitTimeoutMs: 300 });
    db.exec('BEGIN IMMEDIATE');
    const first = inbox.append(row('a'));
    await new Promise((resolve) => setImmediate(resolve));
    const queued = inbox.append(row('b'));
    const outcomes = await Promise.allSettled([first, queued]);
    // Both are answered while the lock is still held: the queued one did not get a fresh budget.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(failures).toHaveLength(2);
    db.exec('ROLLBACK');
    await expect(inbox.append(row('c'))).resolves.toBeGreaterThan(0);
  });

  test('a commit refused by the store rejects its batch with the store error', async () => {
    const inbox = committer();
    db.exec('BEGIN IMMEDIATE');
    try {
      await expect(inbox.append(row('x'))).rejects.toThrow(/locked|busy/i);
    } finally {
      db.exec('ROLLBACK');
    }
    expect(storedBodies()).toEqual([]);
  });

  test('drain resolves only after every queued append has settled', async () => {
    const inbox = committer({ maxBatch: 3 });
    const settled: number[] = [];
    for (let index = 0; index < 7; index++)
      void inbox.append(row(`m${index}`)).then((id) => settled.push(id));
    await inbox.drain();
    await Promise.resolve();
    expect(settled.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(storedBodies()).toHaveLength(7);
  });

  test('a wake-up listener that throws after the commit leaves the append durable and is reported', async () => {
    const wakeups = busWakeups();
    const errors: string[] = [];
    bus.on('loop:error', ({ loop, error }) => errors.push(`${loop}: ${error}`));
    let woken = 0;
    wakeups.on('inbox:appended', () => {
      throw new Error('listener broke');
    });
    wakeups.on('inbox:appended', () => {
      woken += 1;
    });
    const inbox = committer({}, wakeups);

    await expect(inbox.append(row('kept'))).resolves.toBe(1);
    expect(storedBodies()).toEqual(['kept']);
    expect(failures).toEqual([]);
    expect(woken).toBe(1);
    expect(errors).toEqual(['wakeups: inbox:appended: listener broke']);
  });
});
