import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/store.js';
import {
  type InboxCounts,
  postSigned,
  readEventsFrom,
  readInboxCounts,
  startPipelineServer,
  statusWebhook,
  testWamid,
} from '../helpers/pipeline.js';
import type { TestServer } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * A server that starts on a backlog (after an outage, or a receiver that ran alone) keeps
 * answering while its worker drains it: the worker gives the event loop a turn between batches.
 */
const BACKLOG_ROWS = 4000;

let dir: TempDir | undefined;
let server: TestServer | undefined;

afterEach(async () => {
  await server?.cleanup();
  await dir?.remove();
  server = undefined;
  dir = undefined;
});

async function preloadBacklog(path: string): Promise<void> {
  const store = await createSqliteStore(path);
  try {
    const rows = Array.from({ length: BACKLOG_ROWS }, (_, n) => ({
      receivedAt: Date.now(),
      source: 'meta',
      auth: 'hmac' as const,
      contentType: 'application/json',
      headers: {},
      body: statusWebhook([{ wamid: testWamid('backlog', n), status: 'sent', timestamp: 1767262000 + n }]),
    }));
    await store.appendInboxBatch(rows);
  } finally {
    await store.close();
  }
}

test('the admin API and the receiver answer while a backlog drains', async () => {
  dir = await createTempDir();
  await preloadBacklog(join(dir.path, 'wahook.db'));
  server = await startPipelineServer({ dataDir: dir.path });

  const readings: InboxCounts[] = [];
  let posted = false;
  for (;;) {
    const counts = await readInboxCounts(server.url);
    readings.push(counts);
    if (!posted) {
      await postSigned(
        server.url,
        statusWebhook([{ wamid: testWamid('live', 1), status: 'sent', timestamp: 1 }]),
      );
      posted = true;
    }
    if (counts.pending === 0 && counts.total === BACKLOG_ROWS + 1) break;
  }

  // Before the drain ended, some reading saw part of the backlog done and part still waiting.
  const midway = readings.filter((counts) => counts.processed > 0 && counts.processed < BACKLOG_ROWS);
  expect(midway.length).toBeGreaterThan(0);
  expect((await readEventsFrom(server.url)).events).toHaveLength(BACKLOG_ROWS + 1);
});
