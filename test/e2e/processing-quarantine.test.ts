import { afterEach, describe, expect, test } from 'vitest';
import {
  postSigned,
  readEventsFrom,
  readInboxCounts,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { adminRequest, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A signed body that cannot be read is kept, quarantined with its reason, and can be put back for
 * another try; the admin API shows all of it.
 */
let server: TestServer | undefined;

afterEach(async () => {
  await server?.cleanup();
  server = undefined;
});

interface InboxRowJson {
  id: number;
  state: string;
  attempts: number;
  error: string | null;
  processed_at: string | null;
}

async function readRow(id: number): Promise<InboxRowJson> {
  const response = await adminRequest(server!.url, `/v1/inbox/${id}`);
  expect(response.status).toBe(200);
  return response.json<InboxRowJson>();
}

/** Waits until row `id` is quarantined after its `attempts`-th claim. */
async function waitForQuarantine(id: number, attempts: number): Promise<InboxRowJson> {
  let row: InboxRowJson | undefined;
  await waitFor(
    async () => {
      row = await readRow(id);
      return row.state === 'quarantined' && row.attempts === attempts;
    },
    `inbox row ${id} quarantined after ${attempts} attempt(s) (last seen ${JSON.stringify(row)})`,
  );
  return row!;
}

function reprocess(path: string) {
  return adminRequest(server!.url, path, { method: 'POST' });
}

describe('quarantine', () => {
  test('signed invalid JSON is quarantined with its reason, visible in the row and the stats', async () => {
    server = await startPipelineServer();
    await postSigned(server.url, '{"object":"whatsapp_business_account","entry":[');
    const counts = await waitUntilSettled(server.url, 1);

    expect(counts).toMatchObject({ total: 1, pending: 0, quarantined: 1, processed: 0 });
    const row = await waitForQuarantine(1, 1);
    expect(row.error).toMatch(/^invalid JSON/);
    expect((await readEventsFrom(server.url)).events).toEqual([]);
  });

  test('signed JSON of no known shape is quarantined and names the keys it found', async () => {
    server = await startPipelineServer();
    await postSigned(server.url, '{"hello":"world"}');
    await waitUntilSettled(server.url, 1);

    const row = await waitForQuarantine(1, 1);
    expect(row.error).toContain('unknown shape');
    expect(row.error).toContain('hello');
  });
});

describe('reprocess', () => {
  test('a quarantined row goes back to pending and, still invalid, is quarantined again', async () => {
    server = await startPipelineServer();
    await postSigned(server.url, 'not json at all');
    await waitForQuarantine(1, 1);

    const answer = await reprocess('/v1/inbox/1/reprocess');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ requeued: 1 });

    const row = await waitForQuarantine(1, 2);
    expect(row.error).toMatch(/^invalid JSON/);
    expect(await readInboxCounts(server.url)).toMatchObject({ total: 1, pending: 0, quarantined: 1 });
  });

  test('reprocessing a processed row answers 409 and changes nothing', async () => {
    server = await startPipelineServer();
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('ok', 1), status: 'sent', timestamp: 1767262000 }]),
    );
    await waitUntilSettled(server.url, 1);

    const answer = await reprocess('/v1/inbox/1/reprocess');
    expect(answer.status).toBe(409);
    expect(answer.json().message).toContain('processed, not quarantined');
    expect(await readInboxCounts(server.url)).toMatchObject({ processed: 1, quarantined: 0, pending: 0 });
  });

  test('reprocessing an unknown row answers 404, a malformed id 400', async () => {
    server = await startPipelineServer();
    expect((await reprocess('/v1/inbox/99/reprocess')).status).toBe(404);
    expect((await reprocess('/v1/inbox/abc/reprocess')).status).toBe(400);
  });

  test('POST /v1/inbox/reprocess puts every quarantined row back and leaves processed ones alone', async () => {
    server = await startPipelineServer();
    await postSigned(server.url, 'broken 1');
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('ok', 2), status: 'sent', timestamp: 1767262000 }]),
    );
    await postSigned(server.url, '[]');
    await waitUntilSettled(server.url, 3);
    expect(await readInboxCounts(server.url)).toMatchObject({ processed: 1, quarantined: 2 });

    const answer = await reprocess('/v1/inbox/reprocess');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ requeued: 2 });

    await waitForQuarantine(1, 2);
    await waitForQuarantine(3, 2);
    expect((await readRow(2)).attempts).toBe(1);
    expect(await readInboxCounts(server.url)).toMatchObject({
      total: 3,
      processed: 1,
      quarantined: 2,
      pending: 0,
    });
    expect((await readEventsFrom(server.url)).events).toHaveLength(1);
  });
});
