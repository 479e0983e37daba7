import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { createDeliveryStage } from '../../src/deliver/stage.js';
import type { Clock } from '../../src/lib/clock.js';
import type { StageContext } from '../../src/server.js';
import type { Stage } from '../../src/stage.js';
import type { NewEvent, Store, StoredEvent } from '../../src/store/ports.js';
import { sqlOps as postgresSqlOps } from '../../src/store/postgres/sql.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { sqlOps as sqliteSqlOps } from '../../src/store/sqlite/sql.js';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/store.js';
import { postgresBackend, sqliteBackend } from './stores.js';

/**
 * Shared pieces of the delivery tests: a store on each backend (or a temp SQLite file, for the
 * tests that are about SQLite's file), events, a local subscriber, a clock.
 */

/** A delivery test's store, and its tables read back for assertions. */
export interface BackendStore {
  readonly backend: 'sqlite' | 'postgres';
  store: Store;
  /** Rows of `sql`, written the way both stores read it ($1 placeholders), as the adapters read them. */
  rows<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** A folder for the test's own files. */
  dir: string;
  close(): Promise<void>;
}

export interface EachStore {
  readonly backend: 'sqlite' | 'postgres';
  /** A migrated store on this test's own empty database. */
  open(): Promise<BackendStore>;
  /**
   * Settings for a server of the test's own on that database (startTestServer's `env`): called in
   * a `beforeAll`, the database of the whole describe block; in a test, the test's own.
   */
  serverEnv(): { WAHOOK_DATABASE_URL: string };
}

/**
 * `describe` once per backend, SQLite and PostgreSQL, as the store contract suite runs: each test
 * gets an empty database of its own, and a failed test's databases are kept for inspection. Stores
 * from `open()` are closed by the test (after the loop that uses them stops).
 */
export function describeEachStore(name: string, body: (stores: EachStore) => void): void {
  const label = name.replace(/[^a-z0-9]+/gi, '-').slice(0, 20);
  for (const backend of [sqliteBackend(label), postgresBackend(label)]) {
    backend.describe(`${name} on ${backend.name}`, () => {
      let anyFailed = false;
      const dirs: string[] = [];
      beforeAll(() => backend.setup());
      beforeEach(() => backend.nextDatabase());
      afterEach((test) => {
        anyFailed ||= test.task.result?.state === 'fail';
      });
      afterAll(async () => {
        for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
        await backend.teardown(anyFailed);
      });
      body({
        backend: backend.name,
        async open() {
          const store = await backend.open();
          const dir = mkdtempSync(join(tmpdir(), 'wahook-delivery-'));
          dirs.push(dir);
          return { backend: backend.name, store, rows: rowsOf(store), dir, close: () => store.close() };
        },
        serverEnv: () => ({ WAHOOK_DATABASE_URL: backend.databaseUrl() }),
      });
    });
  }
}

function rowsOf(store: Store): <T>(sql: string, params?: readonly unknown[]) => Promise<T[]> {
  const ops =
    store.dialect === 'sqlite'
      ? sqliteSqlOps((store as SqliteStore).db)
      : postgresSqlOps((store as PostgresStore).pool);
  return async <T>(sql: string, params: readonly unknown[] = []) => (await ops.query<T>(sql, params)).rows;
}

export interface TempStore {
  store: SqliteStore;
  dir: string;
  path: string;
  cleanup(): Promise<void>;
}

export async function tempStore(): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'wahook-delivery-'));
  const path = join(dir, 'wahook.db');
  const store = await createSqliteStore(path);
  return {
    store,
    dir,
    path,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export function makeEvent(orderingKey: string, overrides: Partial<NewEvent> = {}): NewEvent {
  counter += 1;
  return {
    id: `evt_test${process.pid}x${counter}`,
    type: 'message.status',
    schemaVersion: 1,
    createdAt: Date.now(),
    orderingKey,
    phoneNumberId: '106540352242922',
    data: { wamid: orderingKey, n: counter },
    ...overrides,
  };
}

/** Writes events the way processing does: insert, then enqueue their deliveries, in one transaction. */
export function commitEvents(
  store: Pick<Store, 'withProcessingTx'>,
  events: readonly NewEvent[],
  now = Date.now(),
): Promise<StoredEvent[]> {
  return store.withProcessingTx(async (tx) => {
    const inserted = await tx.insertEvents(events);
    await tx.enqueueDeliveries(inserted, now);
    return inserted;
  });
}

export interface ReceivedRequest {
  index: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the subscriber answered. */
  status: number;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Subscriber {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** A business system on 127.0.0.1:0 that records every request and answers what `answer` says. */
export async function startSubscriber(
  answer: (request: {
    headers: IncomingHttpHeaders;
    body: string;
    index: number;
  }) => Answer | Promise<Answer>,
): Promise<Subscriber> {
  const received: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const index = received.length;
      const reply = await answer({ headers: req.headers, body, index });
      if (reply === 'hang') {
        hanging.add(res);
        received.push({ index, headers: req.headers, body, status: 0 });
        return;
      }
      received.push({ index, headers: req.headers, body, status: reply.status });
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A clock that moves only when the test moves it; it starts at the real time so signatures verify. */
export class ManualClock implements Clock {
  constructor(private time = Date.now()) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export function eventIdOf(request: ReceivedRequest): string {
  return String(request.headers['webhook-id']);
}

/**
 * A test server's stages: a delivery loop that polls once an hour, so only a wake-up can deliver
 * within a test (startTestServer's `stages`, with the `delivery` role in WAHOOK_ROLES).
 */
export const AN_HOUR = 3_600_000;

export function hourlyPollingDelivery(context: StageContext): Stage[] {
  return [
    createDeliveryStage({
      config: context.config,
      runLoop: true,
      store: context.store,
      bus: context.bus,
      clock: context.clock,
      wakeups: context.wakeups,
      options: { pollMs: AN_HOUR },
    }),
  ];
}
