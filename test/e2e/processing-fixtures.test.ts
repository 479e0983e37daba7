import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadPayload, payloadNames } from '../fixtures/payloads/index.js';
import {
  cloudWebhook,
  countByType,
  type EventJson,
  PHONE_NUMBER_ID,
  postSigned,
  readEventsFrom,
  readMessage,
  startPipelineServer,
  statusWebhook,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import type { TestServer } from '../helpers/server.js';

/**
 * Every webhook body of the fact reference, signed and POSTed to a real server, comes out of the
 * worker as the events it describes: read back through GET /v1/events, one fixture at a time, from
 * the cursor the previous fixture ended at.
 */
const EXPECTED_EVENTS: Record<string, Record<string, number>> = {
  // §7.4: one message, two statuses of one wamid, a failed status on another WABA.
  'batch-two-wabas': { 'message.received': 1, 'message.status': 3 },
  'error-out-of-band': { 'whatsapp.error': 1 },
  'field-account-alerts': { 'account.alert': 1 },
  'field-account-review': { 'account.review': 1 },
  'field-account-update': { 'account.update': 2 },
  'field-automatic-events': { 'ad.conversion': 2 },
  'field-business-capability': { 'account.capability': 1 },
  'field-business-username': { 'business.username': 1 },
  'field-calls': { 'call.connect': 1, 'call.terminate': 1, 'call.status': 1 },
  'field-flows': { 'flow.update': 2 },
  'field-groups': { 'group.lifecycle': 1, 'group.participants': 1, 'group.settings': 1, 'group.status': 1 },
  'field-history': { 'history.chunk': 2 },
  'field-partner-solutions': { 'partner.solution': 1 },
  'field-payment-configuration': { 'payment.configuration': 1 },
  'field-phone-number-name': { 'phone_number.name': 1 },
  'field-phone-number-quality': { 'phone_number.quality': 1 },
  'field-security': { 'phone_number.security': 1 },
  'field-smb-app-state-sync': { 'contact.sync': 2 },
  'field-smb-message-echoes': { 'message.echo': 2 },
  'field-template-category': { 'template.category': 2 },
  'field-template-components': { 'template.components': 1 },
  'field-template-quality': { 'template.quality': 1 },
  'field-template-status': { 'template.status': 1 },
  'field-user-id-update': { 'user.id_changed': 1 },
  'field-user-preferences': { 'user.preference': 1 },
  'image-forwarded': { 'message.received': 1 },
  'interactive-replies': { 'message.received': 3 },
  'location-contacts-button-order': { 'message.received': 4 },
  'media-video-voice-document-sticker': { 'message.received': 4 },
  'on-premises-mixed': { 'message.received': 1, 'message.status': 1, 'whatsapp.error': 1 },
  'reactions-and-revoke': { 'message.received': 4 },
  'signature-vector-empty-entry': {},
  'status-delivered-bsuid': { 'message.status': 1 },
  'status-failed': { 'message.status': 1 },
  'status-played-and-group': { 'message.status': 2 },
  'status-read-and-free-service': { 'message.status': 2 },
  'status-sent': { 'message.status': 1 },
  'system-user-changed-number': { 'message.received': 1 },
  'text-ctwa-referral': { 'message.received': 1 },
  'text-escaped-unicode': { 'message.received': 1 },
  'text-reply-bsuid': { 'message.received': 1 },
  'text-username-only': { 'message.received': 1 },
  'unsupported-poll-creation': { 'message.received': 1 },
};

let server: TestServer;
let posted = 0;
let cursor: string | undefined;

beforeAll(async () => {
  server = await startPipelineServer();
});
afterAll(async () => {
  await server?.cleanup();
});

/** POSTs one body, waits until the worker is done with it, and returns the events it added. */
async function postAndCollect(body: Buffer): Promise<EventJson[]> {
  await postSigned(server.url, body);
  posted += 1;
  const counts = await waitUntilSettled(server.url, posted);
  expect(counts.quarantined).toBe(0);
  const { events, next } = await readEventsFrom(server.url, cursor);
  cursor = next;
  return events;
}

describe('fixtures through the whole pipeline', () => {
  test('the expectations name every fixture, so a new fixture needs its events written down', () => {
    expect(Object.keys(EXPECTED_EVENTS).sort()).toEqual(payloadNames());
  });

  // Sequential on purpose: each fixture's events are the ones after the previous fixture's cursor.
  test.each(payloadNames())('%s is processed into its events', async (name) => {
    const events = await postAndCollect(loadPayload(name));
    expect(countByType(events)).toEqual(EXPECTED_EVENTS[name]);
    for (const event of events) {
      expect(event.id).toMatch(/^evt_[a-z2-7]{26}$/);
      expect(event.schema_version).toBe(1);
      expect(Number.isNaN(Date.parse(event.created_at))).toBe(false);
    }
  });

  test('no fixture was quarantined and every event id is distinct', async () => {
    const counts = await waitUntilSettled(server.url, posted);
    expect(counts).toMatchObject({ quarantined: 0, processed: payloadNames().length });
    const { events } = await readEventsFrom(server.url);
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
  });

  test('the failed status of the two-WABA batch is on its message record with the explained error', async () => {
    const message = await readMessage(
      server.url,
      'wamid.HBgLMzM2MTIzNDU2NzgVAgARGBI1QjJDM0Q0RTVGNkE3QjhDOUQA',
    );
    expect(message).toMatchObject({ direction: 'outbound', status: 'failed' });
    expect(message.errors.map((error) => error.code)).toEqual([131026]);
  });

  test('an echoed message is the outbound record its later statuses attach to', async () => {
    const wamid = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkVDSE8wMQA=';
    expect(await readMessage(server.url, wamid)).toMatchObject({
      direction: 'outbound',
      status: 'echoed',
      messageType: 'text',
      counterpart: { waId: '4915112345678', name: 'Lena Vogel' },
      timestamps: { echoed: '2026-01-01T10:31:40.000Z', sent: null },
    });
    const events = await postAndCollect(
      statusWebhook([{ wamid, status: 'delivered', timestamp: 1767263510 }]),
    );
    expect(events.map((event) => [event.type, event.data.currentStatus])).toEqual([
      ['message.status', 'delivered'],
    ]);
    const message = await readMessage(server.url, wamid);
    expect(message).toMatchObject({ direction: 'outbound', status: 'delivered', messageType: 'text' });
    expect(message.history.map((entry) => entry.status)).toEqual(['echoed', 'delivered']);
  });

  test('an On-Premises message is received with its text', async () => {
    const { events } = await readEventsFrom(server.url);
    const received = events.find(
      (event) => event.type === 'message.received' && event.data.messageId === 'ABGGSRURI0VnAgo6EGJa7Tx3HAp9',
    );
    expect(received?.data).toMatchObject({ type: 'text', content: { kind: 'text', body: 'Hallo' } });
  });
});

describe('bodies beyond the fixtures', () => {
  test('one POST with 1000 status updates yields 1000 message.status events', async () => {
    const statuses = Array.from({ length: 1000 }, (_, n) => ({
      wamid: testWamid('thousand', n),
      status: 'sent',
      timestamp: 1767262000 + n,
    }));
    const events = await postAndCollect(statusWebhook(statuses));
    expect(countByType(events)).toEqual({ 'message.status': 1000 });
    expect(new Set(events.map((event) => event.data.messageId)).size).toBe(1000);
    expect(events.every((event) => event.data.currentStatus === 'sent')).toBe(true);
  });

  test('a second, different body under a recorded wamid is a message.conflict, not a duplicate', async () => {
    const wamid = testWamid('conflict', 1);
    const body = (text: string) =>
      cloudWebhook('messages', {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
        messages: [
          { from: '4915112345678', id: wamid, timestamp: '1767262000', type: 'text', text: { body: text } },
        ],
      });
    expect(countByType(await postAndCollect(body('first')))).toEqual({ 'message.received': 1 });
    const later = await postAndCollect(body('second'));
    expect(countByType(later)).toEqual({ 'message.conflict': 1 });
    expect(later[0]?.data).toMatchObject({
      of: 'message.received',
      message: { content: { body: 'second' } },
    });
    expect(await postAndCollect(body('second'))).toEqual([]);
  });

  test('a change of a field this version does not know becomes a flagged whatsapp.<field> event', async () => {
    const value = {
      some_future_thing: { id: 'x1', state: 'ON' },
      metadata: { phone_number_id: '1065403522' },
    };
    const events = await postAndCollect(cloudWebhook('some_future_field', value, 1767262000));
    expect(countByType(events)).toEqual({ 'whatsapp.some_future_field': 1 });
    expect(events[0]?.data).toMatchObject({
      field: 'some_future_field',
      known: false,
      value,
      time: '2026-01-01T10:06:40.000Z',
    });
    expect(events[0]?.data.flags).toContain('unknown_field:some_future_field');
  });
});
