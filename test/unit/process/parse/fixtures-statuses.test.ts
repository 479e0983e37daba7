import { describe, expect, test } from 'vitest';
import { parseEnvelope } from '../../../../src/process/parse/index.js';
import { loadPayload, payloadNames } from '../../../fixtures/payloads/index.js';
import {
  errorsIn,
  fixtureItems,
  PHONE_NUMBER_ID,
  single,
  statusesIn,
  updatesIn,
  WABA_ID,
} from './helpers.js';

const WAMID_8 = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEjk4QTFCMkMzRDRFNUY2QTdCOAA=';

describe('status fixtures', () => {
  test('sent carries tracking data, PMP pricing and the conversation with its expiry as a number', () => {
    const status = single(statusesIn(fixtureItems('status-sent')));
    expect(status).toMatchObject({
      wamid: WAMID_8,
      status: 'sent',
      timestamp: 1767262000,
      wabaId: WABA_ID,
      phoneNumberId: PHONE_NUMBER_ID,
      bizOpaqueCallbackData: 'order:8812;tenant:acme',
      pricing: { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' },
      conversation: {
        id: '5f1c0e7a9b2d4c6e8f0a1b2c3d4e5f60',
        expirationTimestamp: 1767348400,
        originType: 'utility',
      },
      errors: [],
      flags: [],
    });
    expect(status.recipient).toMatchObject({ waId: '4915112345678', recipientId: '4915112345678' });
  });

  test('delivered in the BSUID era joins the recipient contact and has no conversation', () => {
    const status = single(statusesIn(fixtureItems('status-delivered-bsuid')));
    expect(status.recipient).toEqual({
      waId: '4915112345678',
      userId: 'DE.8841203399120045771',
      parentUserId: null,
      name: 'Lena Vogel',
      username: null,
      recipientId: '4915112345678',
      recipientType: null,
      participantId: null,
      participantUserId: null,
      participantParentUserId: null,
      participantName: null,
      participantUsername: null,
    });
    expect(status.conversation).toBeNull();
  });

  test('read without pricing and a free service reply are two statuses of two messages', () => {
    const [read, sent] = statusesIn(fixtureItems('status-read-and-free-service'));
    expect(read).toMatchObject({ wamid: WAMID_8, status: 'read', pricing: null });
    expect(sent).toMatchObject({
      status: 'sent',
      pricing: { billable: false, type: 'free_customer_service' },
    });
    expect(read?.eventId).not.toBe(sent?.eventId);
  });

  test('played is kept as a status word, and a group send names group and participant, not a user', () => {
    const [played, group] = statusesIn(fixtureItems('status-played-and-group'));
    expect(played?.status).toBe('played');
    expect(group?.recipient).toMatchObject({
      waId: null,
      recipientId: '120363041234567890',
      recipientType: 'group',
      participantId: '4915198765432',
    });
  });

  test('failed keeps its errors with details from error_data and has no contact to join', () => {
    const status = single(statusesIn(fixtureItems('status-failed')));
    expect(status.status).toBe('failed');
    expect(status.recipient.name).toBeNull();
    expect(status.errors).toEqual([
      {
        code: 131049,
        title: 'This message was not delivered to maintain healthy ecosystem engagement.',
        message: 'This message was not delivered to maintain healthy ecosystem engagement.',
        details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
        href: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes',
      },
    ]);
  });
});

describe('error, field, legacy and batch fixtures', () => {
  test('an out-of-band error becomes an error item for its phone number', () => {
    const item = single(errorsIn(fixtureItems('error-out-of-band')));
    expect(item).toMatchObject({
      wabaId: WABA_ID,
      phoneNumberId: PHONE_NUMBER_ID,
      error: { code: 131000, details: 'Unsupported webhook payload' },
    });
  });

  test('a template status update is typed, with its entry time', () => {
    const update = single(updatesIn(fixtureItems('field-template-status')));
    expect(update).toMatchObject({
      type: 'template.status',
      field: 'message_template_status_update',
      wabaId: WABA_ID,
      time: 1767262400,
      flags: [],
      data: { event: 'REJECTED', messageTemplateId: '1398765432109876', reason: 'INVALID_FORMAT' },
    });
  });

  test('a marketing opt-out is typed and names its phone number', () => {
    const update = single(updatesIn(fixtureItems('field-user-preferences')));
    expect(update).toMatchObject({
      type: 'user.preference',
      field: 'user_preferences',
      phoneNumberId: PHONE_NUMBER_ID,
      time: null,
      data: { value: 'stop', category: 'marketing_messages', waId: '4915112345678' },
    });
  });

  test('the legacy On-Premises body yields a message, a status and an error without routing ids', () => {
    const outcome = parseEnvelope(loadPayload('on-premises-mixed'));
    if (!outcome.ok) throw new Error(outcome.reason);
    expect(outcome.format).toBe('on-premises');
    const [message, status, error] = outcome.items;
    expect(message).toMatchObject({
      kind: 'message',
      wamid: 'ABGGSRURI0VnAgo6EGJa7Tx3HAp9',
      wabaId: null,
      phoneNumberId: null,
      from: { waId: '4915112345678', name: 'Lena Vogel' },
      content: { kind: 'text', body: 'Hallo' },
    });
    expect(status).toMatchObject({
      kind: 'status',
      status: 'read',
      pricing: { pricingModel: 'CBP', category: 'business_initiated' },
      conversation: { originType: 'business_initiated', expirationTimestamp: null },
    });
    expect(error).toMatchObject({
      kind: 'error',
      wabaId: null,
      error: { code: 470, details: 'Use a message template', message: null },
    });
    expect(outcome.items).toHaveLength(3);
  });

  test('a batch over two WABAs yields every item, each routed to its own WABA and number', () => {
    const items = fixtureItems('batch-two-wabas');
    expect(items.map((item) => [item.kind, item.wabaId, item.phoneNumberId])).toEqual([
      ['message', WABA_ID, PHONE_NUMBER_ID],
      ['status', WABA_ID, PHONE_NUMBER_ID],
      ['status', WABA_ID, PHONE_NUMBER_ID],
      ['status', '309876543210987', '198765432109876'],
    ]);
    expect(statusesIn(items.slice(1)).map((s) => s.status)).toEqual(['delivered', 'read', 'failed']);
  });

  test('every fixture parses, and parsing it twice gives the same event ids', () => {
    for (const name of payloadNames()) {
      const first = parseEnvelope(loadPayload(name));
      const second = parseEnvelope(loadPayload(name));
      expect(first.ok, name).toBe(true);
      if (!first.ok || !second.ok) continue;
      expect(second.items.map((item) => item.eventId)).toEqual(first.items.map((item) => item.eventId));
      expect(new Set(first.items.map((item) => item.eventId)).size, name).toBe(first.items.length);
    }
  });
});
