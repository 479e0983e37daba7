import { expect, test } from 'vitest';
import type { EventOf, MessageRecord, MessageStatusData, WahookEvent } from '../../src/index.js';
import {
  postSigned,
  readEventsFrom,
  readMessage,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';

/**
 * The package's main entry (package.json "exports", built to dist/index.js) gives consumers the
 * event types, and what the API serves fits them.
 */
test('the built main entry exports the event constants and nothing that runs', async () => {
  const entry = (await import(new URL('../../dist/index.js', import.meta.url).href)) as Record<
    string,
    unknown
  >;
  expect(Object.keys(entry).sort()).toEqual([
    'EVENT_SCHEMA_VERSION',
    'EVENT_TYPES',
    'UPDATE_TYPES',
    'fieldEventType',
  ]);
  expect(entry.EVENT_TYPES).toEqual({
    messageReceived: 'message.received',
    messageStatus: 'message.status',
    messageEcho: 'message.echo',
    messageConflict: 'message.conflict',
    messageStuck: 'message.stuck',
    whatsappError: 'whatsapp.error',
  });
  expect(entry.UPDATE_TYPES).toMatchObject({
    templateStatus: 'template.status',
    callTerminate: 'call.terminate',
  });
});

test('a message.status event and a message record read from the API fit the exported types', async () => {
  const server = await startPipelineServer();
  try {
    const wamid = testWamid('entry', 1);
    await postSigned(server.url, statusWebhook([{ wamid, status: 'delivered', timestamp: 1767262000 }]));
    await waitUntilSettled(server.url, 1);

    const [event] = (await readEventsFrom(server.url)).events as unknown as EventOf<'message.status'>[];
    const data: MessageStatusData = event!.data;
    // The union narrows by type: a consumer's switch needs no cast.
    const narrowed = (any: WahookEvent) => (any.type === 'message.status' ? any.data.currentStatus : null);
    expect(narrowed(event!)).toBe('delivered');
    expect(Object.keys(data).sort()).toEqual(
      [
        'messageId',
        'phoneNumberId',
        'displayPhoneNumber',
        'wabaId',
        'status',
        'timestamp',
        'currentStatus',
        'recipient',
        'recipientIdentityKeyHash',
        'contacts',
        'messagingProduct',
        'bizOpaqueCallbackData',
        'pricing',
        'conversation',
        'errors',
        'unparsed',
        'metadata',
        'send',
        'flags',
      ].sort(),
    );
    const record = (await readMessage(server.url, wamid)) as unknown as MessageRecord;
    expect(record.timestamps.delivered).toBe(data.timestamp);
    expect(Object.keys(record.timestamps).sort()).toEqual(
      ['delivered', 'echoed', 'failed', 'played', 'read', 'received', 'sent'].sort(),
    );
  } finally {
    await server.cleanup();
  }
});
