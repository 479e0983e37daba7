import { describe, expect, test } from 'vitest';
import { messageEchoEvent } from '../../../../src/process/build-events.js';
import { completeRecord } from '../../../../src/process/message-record.js';
import type { ParsedEcho, ParsedItem } from '../../../../src/process/parse/index.js';
import { mergeStatus, recordEcho, recordInbound } from '../../../../src/process/status-merge.js';
import { STATUS_WAMID, statusUpdate } from '../../../helpers/status-updates.js';
import { cloudBody, fieldsIn, fixtureItems, itemsOf, METADATA, PHONE_NUMBER_ID, single } from './helpers.js';

const echoesIn = (items: ParsedItem[]): ParsedEcho[] => {
  expect(items.map((item) => item.kind)).toEqual(items.map(() => 'echo'));
  return items as ParsedEcho[];
};

describe('message echoes', () => {
  test('each echo is read as a message the business sent, to the user named in contacts', () => {
    const [text, edit] = echoesIn(fixtureItems('field-smb-message-echoes'));
    expect(text).toMatchObject({
      wamid: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkVDSE8wMQA=',
      phoneNumberId: PHONE_NUMBER_ID,
      timestamp: 1767263500,
      from: '4930123456789',
      to: { waId: '4915112345678', name: 'Lena Vogel', userId: null },
      type: 'text',
      content: { kind: 'text', body: 'Ihr Termin ist morgen um 9 Uhr.' },
      unparsed: null,
      flags: [],
    });
    expect(edit?.content).toMatchObject({
      kind: 'edit',
      edited: { kind: 'text', body: 'Ihr Termin ist morgen um 10 Uhr.' },
    });
    // With two echoes and one contact, the join is by number, never by being the only one.
    expect(edit?.to).toMatchObject({ waId: '4915112345678', name: 'Lena Vogel' });
  });

  test('the echo event carries the message and its lane is the message', () => {
    const echo = single(echoesIn(fixtureItems('field-smb-message-echoes')).slice(0, 1));
    const event = messageEchoEvent(echo, 0);
    expect(event).toMatchObject({ type: 'message.echo', orderingKey: `msg:${echo.wamid}` });
    expect(event.data).toMatchObject({
      messageId: echo.wamid,
      timestamp: '2026-01-01T10:31:40.000Z',
      to: { waId: '4915112345678' },
      errors: [],
    });
  });

  test('unknown keys of an echo are kept and flagged; to_user_id names a BSUID recipient', () => {
    const echo = single(
      echoesIn(
        itemsOf(
          cloudBody(
            {
              messaging_product: 'whatsapp',
              metadata: METADATA,
              message_echoes: [
                {
                  from: '1',
                  to_user_id: 'DE.9',
                  id: 'wamid.X',
                  timestamp: '5',
                  type: 'text',
                  text: { body: 'b' },
                  zz: 1,
                },
              ],
            },
            { field: 'message_echoes' },
          ),
        ),
      ),
    );
    expect(echo).toMatchObject({
      to: { waId: null, userId: 'DE.9' },
      unparsed: { zz: 1 },
      flags: ['unknown_fields:zz'],
    });
  });

  test("every echo carries the value's contacts whole and its messaging_product", () => {
    const [text, edit] = echoesIn(fixtureItems('field-smb-message-echoes'));
    for (const echo of [text, edit]) {
      const data = messageEchoEvent(echo as ParsedEcho, 0).data;
      expect(data).toMatchObject({
        messagingProduct: 'whatsapp',
        contacts: [{ waId: '4915112345678', profile: { name: 'Lena Vogel', username: null } }],
      });
    }
  });

  test('a contact no echo names, and a to that is not a number, are kept as sent', () => {
    const echo = single(
      echoesIn(
        itemsOf(
          cloudBody(
            {
              metadata: METADATA,
              contacts: [{ profile: { name: 'Ole' }, wa_id: '4917000000001', identity_key_hash: 'h1' }],
              message_echoes: [{ from: '1', to: 'lena', id: 'wamid.Y', type: 'text', text: { body: 'b' } }],
            },
            { field: 'smb_message_echoes' },
          ),
        ),
      ),
    );
    expect(echo.to).toMatchObject({ waId: 'lena' });
    expect(echo.contacts).toEqual([
      {
        waId: '4917000000001',
        userId: null,
        parentUserId: null,
        identityKeyHash: 'h1',
        profile: { name: 'Ole', username: null },
      },
    ]);
    expect(echo.messagingProduct).toBeNull();
  });

  test('an echoes value without echoes is passed on whole, flagged', () => {
    const field = single(
      fieldsIn(itemsOf(cloudBody({ message_echoes: [] }, { field: 'smb_message_echoes' }))),
    );
    expect(field).toMatchObject({ field: 'smb_message_echoes', flags: ['no_items:message_echoes'] });
  });
});

describe('an echo is the outbound record of its wamid', () => {
  const to = { waId: '4915112345678', userId: null, parentUserId: null, name: 'Lena', username: null };
  const echo = { wamid: STATUS_WAMID, phoneNumberId: '1', timestamp: 100, to, type: 'text' };

  test('alone it starts an outbound record at echoed', () => {
    const merged = recordEcho(undefined, echo);
    expect(merged.isNew).toBe(true);
    expect(completeRecord(merged.record)).toMatchObject({
      direction: 'outbound',
      status: 'echoed',
      messageType: 'text',
      counterpart: { waId: '4915112345678', name: 'Lena' },
      timestamps: { echoed: '1970-01-01T00:01:40.000Z' },
    });
  });

  test('statuses before or after it give the same record, and any status outranks echoed', () => {
    const status = statusUpdate('delivered', 101, { phoneNumberId: '1' });
    const echoFirst = completeRecord(mergeStatus(recordEcho(undefined, echo).record, status).record);
    const statusFirst = completeRecord(recordEcho(mergeStatus(undefined, status).record, echo).record);
    expect(statusFirst).toEqual(echoFirst);
    expect(echoFirst).toMatchObject({ status: 'delivered', messageType: 'text', direction: 'outbound' });
    expect(recordEcho(recordEcho(undefined, echo).record, echo).isNew).toBe(false);
  });

  test('an echo never turns an inbound record outbound by itself being there', () => {
    const inbound = recordInbound(undefined, {
      wamid: STATUS_WAMID,
      phoneNumberId: '1',
      timestamp: 99,
      from: to,
      type: 'text',
    });
    expect(completeRecord(recordEcho(inbound.record, echo).record).direction).toBe('inbound');
  });
});
