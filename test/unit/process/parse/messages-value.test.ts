import { describe, expect, test } from 'vitest';
import {
  messageReceivedEvent,
  messageStatusEvent,
  whatsappErrorEvent,
} from '../../../../src/process/build-events.js';
import {
  cloudBody,
  errorsIn,
  itemsOf,
  METADATA,
  messagesIn,
  single,
  statusesIn,
  textMessage,
} from './helpers.js';

const LENA = { profile: { name: 'Lena Vogel' }, wa_id: '4915112345678' };
const OLE = { profile: { name: 'Ole' }, wa_id: '4917000000001', identity_key_hash: 'h1' };
const PRESENTED_OLE = {
  waId: '4917000000001',
  userId: null,
  parentUserId: null,
  identityKeyHash: 'h1',
  profile: { name: 'Ole', username: null },
};
const STATUS = { id: 'wamid.S', status: 'delivered', timestamp: '1767262990', recipient_id: '4915112345678' };

describe("every event of a messages value carries the value's own parts", () => {
  test('a contact that names no message travels in the message event', () => {
    const value = { messaging_product: 'whatsapp', metadata: METADATA, contacts: [LENA, OLE] };
    const message = single(messagesIn(itemsOf(cloudBody({ ...value, messages: [textMessage()] }))));
    expect(message.from).toMatchObject({ waId: '4915112345678', name: 'Lena Vogel' });
    const data = messageReceivedEvent(message, 0).data;
    expect(data).toMatchObject({ messagingProduct: 'whatsapp', unparsed: null, flags: [] });
    expect((data as { contacts: unknown[] }).contacts).toEqual([
      {
        waId: '4915112345678',
        userId: null,
        parentUserId: null,
        identityKeyHash: null,
        profile: { name: 'Lena Vogel', username: null },
      },
      PRESENTED_OLE,
    ]);
  });

  test('contacts beside statuses only travel in every status event', () => {
    const statuses = [STATUS, { ...STATUS, status: 'read', timestamp: '1767262995' }];
    const items = statusesIn(
      itemsOf(cloudBody({ messaging_product: 'whatsapp', metadata: METADATA, contacts: [OLE], statuses })),
    );
    expect(items).toHaveLength(2);
    for (const status of items) {
      expect(messageStatusEvent(status, { status: 'read' }, 0).data).toMatchObject({
        contacts: [PRESENTED_OLE],
        messagingProduct: 'whatsapp',
      });
    }
  });

  test("unknown keys of the value and of its contacts are kept in each item's unparsed", () => {
    const value = {
      metadata: { ...METADATA, region: 'eu' },
      contacts: [{ ...OLE, ims: ['x'] }],
      polls: [{ id: 1 }],
      statuses: [STATUS],
    };
    const status = single(statusesIn(itemsOf(cloudBody(value))));
    expect(status.unparsed).toEqual({
      'value.metadata.region': 'eu',
      'value.contacts[0].ims': ['x'],
      'value.polls': [{ id: 1 }],
    });
    expect(status.flags).toEqual([
      'unknown_value_fields:polls',
      'unknown_fields:value.contacts[0].ims,value.metadata.region',
    ]);
    expect(status.messagingProduct).toBeNull();
  });

  test('a value error keeps what its typed fields do not hold, and the value parts', () => {
    const errors = [
      { code: 'x131000', title: 't', fbtrace_id: 'A1', error_data: { details: 'd', field: 'f' } },
    ];
    const error = single(
      errorsIn(
        itemsOf(cloudBody({ messaging_product: 'whatsapp', metadata: METADATA, contacts: [OLE], errors })),
      ),
    );
    expect(whatsappErrorEvent(error, 0).data).toMatchObject({
      displayPhoneNumber: METADATA.display_phone_number,
      contacts: [PRESENTED_OLE],
      messagingProduct: 'whatsapp',
      error: { code: -1, title: 't', details: 'd' },
      unparsed: { code: 'x131000', fbtrace_id: 'A1', 'error_data.field': 'f' },
      flags: ['unknown_fields:error_data.field,fbtrace_id', 'wrong_type:code', 'missing_error_code'],
    });
  });

  test("an On-Premises body shares its contacts the same way: a person's with their items, the rest with all", () => {
    const body = JSON.stringify({
      contacts: [LENA, OLE],
      statuses: [STATUS],
      errors: [{ code: 470, title: 't' }],
    });
    const [status, error] = itemsOf(body);
    // The status went to Lena: her contact is its own; Ole's names no item, so both carry it.
    expect(status).toMatchObject({
      kind: 'status',
      contacts: [{ waId: '4915112345678' }, PRESENTED_OLE],
      messagingProduct: null,
    });
    expect(error).toMatchObject({ kind: 'error', contacts: [PRESENTED_OLE], unparsed: null });
  });

  test("one person's contact never travels in another person's event of the same value", () => {
    const fromOle = { ...textMessage(), id: 'wamid.OLE', from: '4917000000001' };
    const items = messagesIn(
      itemsOf(
        cloudBody({
          messaging_product: 'whatsapp',
          metadata: METADATA,
          contacts: [LENA, OLE],
          messages: [textMessage(), fromOle],
        }),
      ),
    );
    expect(items.map((item) => item.contacts?.map((contact) => contact.waId))).toEqual([
      ['4915112345678'],
      ['4917000000001'],
    ]);
  });

  test('a status keeps its identity key hash, and a second spelling that says otherwise', () => {
    const status = single(
      statusesIn(
        itemsOf(
          cloudBody({
            metadata: METADATA,
            statuses: [
              {
                ...STATUS,
                recipient_identity_key_hash: 'k1',
                recipient_parent_user_id: 'DE.ENT.1',
                parent_recipient_user_id: 'DE.ENT.2',
                recipient_participant_id: '4915199',
                participant_recipient_id: '4915199',
              },
            ],
          }),
        ),
      ),
    );
    expect(status.recipientIdentityKeyHash).toBe('k1');
    expect(status.recipient).toMatchObject({ parentUserId: 'DE.ENT.1', participantId: '4915199' });
    // The same number in both spellings says nothing new; a different parent id is kept.
    expect(status.unparsed).toEqual({ parent_recipient_user_id: 'DE.ENT.2' });
    expect(status.flags).toEqual(['conflicting_spellings:parent_recipient_user_id']);
  });

  test("an error's top-level details that disagree with error_data.details are kept", () => {
    const twice = { code: 131026, details: 'on-premises words', error_data: { details: 'cloud words' } };
    const same = { code: 470, details: 'one', error_data: { details: 'one' } };
    const error = single(errorsIn(itemsOf(cloudBody({ metadata: METADATA, errors: [twice] }))));
    expect(error.error.details).toBe('cloud words');
    expect(error.unparsed).toEqual({ details: 'on-premises words' });
    expect(error.flags).toEqual(['conflicting_spellings:details']);
    const status = single(
      statusesIn(
        itemsOf(
          cloudBody({
            metadata: METADATA,
            statuses: [{ ...STATUS, status: 'failed', errors: [same, twice] }],
          }),
        ),
      ),
    );
    expect(status.unparsed).toEqual({ 'errors[1].details': 'on-premises words' });
    expect(status.flags).toEqual(['conflicting_spellings:errors[1].details']);
  });
});
