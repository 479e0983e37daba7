import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postSigned,
  readMessage,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { adminRequest, type TestServer } from '../helpers/server.js';

/**
 * A stored record this version cannot read (written in another format, or edited by hand) must not
 * turn the message list into a 500, nor hide what the store still knows of that message.
 */
describe('a message whose stored record this version cannot read', () => {
  let server: TestServer;
  const readable = testWamid('READABLE', 1);
  const unreadable = testWamid('UNREADABLE', 2);
  const notJson = testWamid('NOTJSON', 3);
  const T0 = 1_767_262_000;

  beforeAll(async () => {
    server = await startPipelineServer();
    await postSigned(
      server.url,
      statusWebhook([
        { wamid: readable, status: 'delivered', timestamp: T0 },
        { wamid: unreadable, status: 'read', timestamp: T0 + 1 },
        { wamid: notJson, status: 'sent', timestamp: T0 + 2 },
      ]),
    );
    await waitUntilSettled(server.url, 1);
    const db = new Database(server.dbPath);
    try {
      const rewrite = db.prepare('UPDATE messages SET record = ? WHERE id = ?');
      rewrite.run(JSON.stringify({ v: 99, history: [] }), unreadable);
      rewrite.run('{"v":2,"history":[', notJson);
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    await server?.cleanup();
  });

  it('is listed with its stored columns and the reason, beside the readable ones', async () => {
    const answer = await adminRequest(server.url, '/v1/messages');
    expect(answer.status).toBe(200);
    const { messages } = answer.json<{ messages: Record<string, unknown>[] }>();
    const byId = new Map(messages.map((message) => [message.id, message]));
    expect(byId.get(readable)).toMatchObject({ status: 'delivered', history: [{ status: 'delivered' }] });
    expect(byId.get(readable)).not.toHaveProperty('record_error');
    expect(byId.get(unreadable)).toMatchObject({
      id: unreadable,
      status: 'read',
      direction: 'outbound',
      record_error: expect.stringMatching(/format 99.*newer wahook/),
      // Every field the contract promises is still there, empty where only the record knew it.
      timestamps: { sent: null, delivered: null, read: null, failed: null },
      errors: [],
      history: [],
    });
    expect(byId.get(unreadable)).toHaveProperty('updated_at');
    expect(byId.get(notJson)).toMatchObject({
      status: 'sent',
      record_error: expect.stringMatching(/is not JSON/),
    });
  });

  it('quarantines a later update of it at once, naming the record, and leaves the record alone', async () => {
    const fresh = testWamid('FRESH', 4);
    await postSigned(server.url, statusWebhook([{ wamid: unreadable, status: 'read', timestamp: T0 + 60 }]));
    await postSigned(server.url, statusWebhook([{ wamid: fresh, status: 'sent', timestamp: T0 + 61 }]));
    const counts = await waitUntilSettled(server.url, 3);
    expect(counts).toMatchObject({ quarantined: 1, processed: 2 });
    const answer = await adminRequest(server.url, '/v1/inbox?state=quarantined');
    const [row] = answer.json<{ inbox: { attempts: number; error: string }[] }>().inbox;
    // On the first claim: retrying cannot make the record readable.
    expect(row).toMatchObject({ attempts: 1 });
    expect(row?.error).toContain(`the stored record of ${unreadable} has format 99`);
    expect(row?.error).toMatch(/then reprocess this row$/);
    expect(await readMessage(server.url, unreadable)).toMatchObject({ record_error: expect.any(String) });
    expect(await readMessage(server.url, fresh)).toMatchObject({ status: 'sent' });
  });

  it('answers its own lookup the same way instead of a 500', async () => {
    const message = await readMessage(server.url, unreadable);
    expect(message).toMatchObject({ id: unreadable, status: 'read', record_error: expect.any(String) });
  });
});
