import { describe, expect, expectTypeOf, test } from 'vitest';
import { MAX_ITEMS_PER_PAYLOAD } from '../../../../src/process/parse/envelope.js';
import { cloudBody } from './helpers.js';
import type { CallData, TemplateStatusData } from './update-helpers.js';
import { eventsOfBody, eventsOfFixture, eventsOfValue } from './update-helpers.js';

/** Each fixture (built from section 6 of the fact reference and docs/webhook-shapes.md) and what it yields. */
const FIXTURE_EVENTS: Record<string, Array<{ type: string; data: Record<string, unknown> }>> = {
  'field-template-status': [
    {
      type: 'template.status',
      data: {
        event: 'REJECTED',
        messageTemplateId: '1398765432109876',
        messageTemplateName: 'appointment_reminder',
        messageTemplateLanguage: 'de',
        messageTemplateCategory: 'UTILITY',
        reason: 'INVALID_FORMAT',
        rejectionInfo: {
          reason: 'Two variables are adjacent without text between them.',
          recommendation: 'Put words or punctuation between variables.',
        },
        disableInfo: null,
        otherInfo: null,
        time: '2026-01-01T10:13:20.000Z',
      },
    },
  ],
  'field-template-quality': [
    { type: 'template.quality', data: { previousQualityScore: 'GREEN', newQualityScore: 'YELLOW' } },
  ],
  'field-template-components': [
    {
      type: 'template.components',
      data: {
        messageTemplateElement: 'Ihr Termin ist am {{1}}.',
        messageTemplateTitle: 'Terminerinnerung',
        messageTemplateButtons: [
          {
            messageTemplateButtonType: 'URL',
            messageTemplateButtonText: 'Termin ansehen',
            messageTemplateButtonUrl: 'https://example.com/t/{{1}}',
            messageTemplateButtonPhoneNumber: null,
          },
          expect.objectContaining({ messageTemplateButtonPhoneNumber: '+4930123456789' }),
        ],
      },
    },
  ],
  'field-template-category': [
    {
      type: 'template.category',
      data: {
        newCategory: 'UTILITY',
        correctCategory: 'MARKETING',
        previousCategory: null,
        categoryUpdateTimestamp: '2026-01-02T10:13:20.000Z',
      },
    },
    { type: 'template.category', data: { previousCategory: 'UTILITY', newCategory: 'MARKETING' } },
  ],
  'field-phone-number-quality': [
    {
      type: 'phone_number.quality',
      data: {
        event: 'THROUGHPUT_UPGRADE',
        maxDailyConversationsPerBusiness: 'TIER_10K',
        displayPhoneNumber: '4930123456789',
        currentLimit: null,
      },
    },
  ],
  'field-phone-number-name': [
    {
      type: 'phone_number.name',
      data: {
        decision: 'REJECTED',
        requestedVerifiedName: 'Praxis Vogel',
        rejectionReason: 'NAME_FORMAT_UNACCEPTABLE',
      },
    },
  ],
  'field-security': [
    { type: 'phone_number.security', data: { event: 'PIN_RESET_REQUEST', requester: '4915112345678' } },
  ],
  'field-business-username': [
    { type: 'business.username', data: { username: 'praxisvogel', status: 'approved' } },
  ],
  'field-account-update': [
    {
      type: 'account.update',
      data: {
        event: 'ACCOUNT_RESTRICTION',
        restrictionInfo: [
          { restrictionType: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: '2026-01-08T10:13:20.000Z' },
        ],
        banInfo: null,
      },
    },
    {
      type: 'account.update',
      data: {
        event: 'DISABLED_UPDATE',
        banInfo: { wabaBanState: 'SCHEDULE_FOR_DISABLE', wabaBanDate: 'January 8, 2026' },
      },
    },
  ],
  'field-account-alerts': [
    {
      type: 'account.alert',
      data: {
        entityType: 'PHONE_NUMBER',
        entityId: '112233445566778',
        alertInfo: expect.objectContaining({ alertSeverity: 'WARNING', alertStatus: 'ACTIVE' }),
      },
    },
  ],
  'field-account-review': [{ type: 'account.review', data: { decision: 'APPROVED' } }],
  'field-business-capability': [
    {
      type: 'account.capability',
      data: { maxDailyConversationsPerBusiness: 'TIER_1K', maxPhoneNumbersPerWaba: 25 },
    },
  ],
  'field-flows': [
    {
      type: 'flow.update',
      data: { event: 'FLOW_STATUS_CHANGE', oldStatus: 'DRAFT', newStatus: 'PUBLISHED' },
    },
    {
      type: 'flow.update',
      data: { event: 'ENDPOINT_ERROR_RATE', errorRate: 12.5, threshold: 10, alertState: 'ACTIVATED' },
    },
  ],
  'field-user-preferences': [
    {
      type: 'user.preference',
      data: {
        waId: '4915112345678',
        category: 'marketing_messages',
        value: 'stop',
        timestamp: '2026-01-01T10:15:00.000Z',
        contacts: [
          expect.objectContaining({ waId: '4915112345678', profile: { name: 'Lena Vogel', username: null } }),
        ],
        messagingProduct: 'whatsapp',
        phoneNumberId: '112233445566778',
      },
    },
  ],
  'field-user-id-update': [
    {
      type: 'user.id_changed',
      data: {
        waId: '4915112345678',
        userId: { previous: 'DE.1234567890123456', current: 'DE.6543210987654321' },
        parentUserId: null,
      },
    },
  ],
  'field-calls': [
    {
      type: 'call.connect',
      data: {
        event: 'connect',
        direction: 'USER_INITIATED',
        session: expect.objectContaining({ sdpType: 'offer' }),
      },
    },
    {
      type: 'call.terminate',
      data: {
        status: 'COMPLETED',
        duration: 90,
        startTime: '2026-01-01T10:16:50.000Z',
        endTime: '2026-01-01T10:18:20.000Z',
      },
    },
    {
      type: 'call.status',
      data: { type: 'call', status: 'RINGING', recipientId: '4915112345678', contacts: [] },
    },
  ],
  'field-history': [
    {
      type: 'history.chunk',
      data: {
        metadata: { phase: 0, chunkOrder: 1, progress: 55 },
        threads: [
          {
            id: '4915112345678',
            messages: [
              expect.objectContaining({ history_context: { status: 'READ' } }),
              expect.objectContaining({ text: { body: 'Danke!' } }),
            ],
          },
        ],
        errors: null,
      },
    },
    {
      type: 'history.chunk',
      data: {
        metadata: null,
        errors: [
          expect.objectContaining({
            code: 2593109,
            details: 'History sharing is turned off by the business',
          }),
        ],
      },
    },
  ],
  'field-groups': [
    {
      type: 'group.lifecycle',
      data: { type: 'group_create', groupId: '120363041234567890', subject: 'Kursgruppe Januar' },
    },
    {
      type: 'group.participants',
      data: {
        type: 'group_participants_add',
        addedParticipants: [{ input: '+4915112345678', waId: '4915112345678', userId: null, errors: null }],
      },
    },
    {
      type: 'group.settings',
      data: { groupSubject: { text: 'Kursgruppe Februar', updateSuccessful: true, errors: null } },
    },
    { type: 'group.status', data: { type: 'group_suspend', timestamp: '2026-01-01T10:26:40.000Z' } },
  ],
  'field-smb-app-state-sync': [
    {
      type: 'contact.sync',
      data: {
        type: 'contact',
        action: 'add',
        contact: { fullName: 'Lena Vogel', firstName: 'Lena', phoneNumber: '4915112345678' },
        metadata: { timestamp: '2026-01-01T10:40:00.000Z' },
        phoneNumberId: '112233445566778',
        contacts: [],
      },
    },
    {
      type: 'contact.sync',
      data: {
        action: 'remove',
        contact: { fullName: null, firstName: null, phoneNumber: '4915187654321' },
        metadata: { timestamp: '2026-01-01T10:41:00.000Z' },
      },
    },
  ],
  'field-automatic-events': [
    {
      type: 'ad.conversion',
      data: {
        id: 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYEkFVVE8wMQA=',
        eventName: 'LeadSubmitted',
        timestamp: '2026-01-01T10:41:40.000Z',
        ctwaClid: expect.stringMatching(/^ARAk/),
        customData: null,
      },
    },
    {
      type: 'ad.conversion',
      data: { eventName: 'Purchase', customData: { currency: 'EUR', value: 49900 } },
    },
  ],
  'field-partner-solutions': [
    {
      type: 'partner.solution',
      data: {
        event: 'SOLUTION_UPDATED',
        solutionId: '771234567890123',
        solutionStatus: 'PENDING_DEACTIVATION',
        // partner_solutions comes from a business portfolio: entry[].id is the portfolio's id.
        wabaId: '401234567890123',
        time: '2026-01-01T10:45:00.000Z',
      },
    },
  ],
  'field-payment-configuration': [
    {
      type: 'payment.configuration',
      data: {
        configurationName: 'razorpay-prod',
        providerName: 'razorpay',
        providerMid: 'acc_Hq2WcT5rYv8nPz',
        status: 'Needs Connecting',
        createdTimestamp: '2025-12-29T09:20:00.000Z',
        updatedTimestamp: '2026-01-01T10:46:40.000Z',
      },
    },
  ],
};

describe('typed updates of the non-messages fields', () => {
  test.each(Object.entries(FIXTURE_EVENTS))('%s yields its typed events, unflagged', (name, expected) => {
    const events = eventsOfFixture(name);
    expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
    events.forEach((event, index) => {
      expect(event.data).toMatchObject({
        wabaId: '301234567890123',
        ...expected[index]?.data,
        unparsed: null,
        flags: [],
      });
    });
  });

  test('every key the schema names is present, null when the sender left it out', () => {
    const [event] = eventsOfValue('account_review_update', {});
    expect(event?.data).toEqual({
      decision: null,
      field: 'account_review_update',
      wabaId: '301234567890123',
      phoneNumberId: null,
      displayPhoneNumber: null,
      time: null,
      unparsed: null,
      flags: [],
    });
  });

  test('unknown keys and values of the wrong type are kept under their path and flagged', () => {
    const [event] = eventsOfValue('message_template_status_update', {
      event: 'PAUSED',
      other_info: { title: 'FIRST_PAUSE', description: 'x', until: 1767900000 },
      message_template_name: ['not', 'text'],
      brand_new: true,
    });
    expect(event?.data).toMatchObject({
      event: 'PAUSED',
      messageTemplateName: null,
      otherInfo: { title: 'FIRST_PAUSE', description: 'x' },
      unparsed: { 'other_info.until': 1767900000, message_template_name: ['not', 'text'], brand_new: true },
      flags: [
        // The documented shape says the name is text: the field-level check names the field too.
        'schema_mismatch:message_template_status_update',
        'unknown_fields:brand_new,other_info.until',
        'wrong_type:message_template_name',
      ],
    });
  });

  test('keys beside an item array are kept for each item under value.<key>', () => {
    const events = eventsOfValue('user_preferences', {
      messaging_product: 'whatsapp',
      surprise: 1,
      user_preferences: [
        { wa_id: '1', value: 'stop' },
        { wa_id: '2', value: 'resume' },
      ],
    });
    expect(events.map((event) => event.data)).toMatchObject([
      {
        waId: '1',
        value: 'stop',
        unparsed: { 'value.surprise': 1 },
        flags: ['unknown_fields:value.surprise'],
      },
      { waId: '2', value: 'resume', unparsed: { 'value.surprise': 1 } },
    ]);
    expect(new Set(events.map((event) => event.id)).size).toBe(2);
  });

  test('an unknown __proto__ key on an item keeps its value in unparsed', () => {
    const body = cloudBody(
      {
        messaging_product: 'whatsapp',
        user_preferences: [
          { wa_id: '1', value: 'stop', PROTO: 0 },
          { wa_id: '2', value: 'resume' },
        ],
      },
      { field: 'user_preferences' },
    ).replace('"PROTO":0', '"__proto__":{"polluted":true}');
    const events = eventsOfBody(body);
    expect(events.map((event) => event.data.flags)).toEqual([['unknown_fields:__proto__'], []]);
    expect(JSON.stringify(events[0]?.data.unparsed)).toBe('{"__proto__":{"polluted":true}}');
    expect(events[1]?.data.unparsed).toBeNull();
  });

  test("each item carries its own person's contact and the ones that name no item, never another's", () => {
    const events = eventsOfValue('user_preferences', {
      messaging_product: 'whatsapp',
      contacts: [
        { profile: { name: 'Lena' }, wa_id: '4915112345678' },
        { profile: { name: 'Otto' }, wa_id: '4917600000042' },
        { profile: { name: 'Stray' }, wa_id: '4917000000001' },
      ],
      user_preferences: [
        { wa_id: '+49 151 12345678', value: 'stop' },
        { wa_id: '4917600000042', value: 'resume' },
      ],
    });
    const names = (data: unknown) =>
      (data as { contacts: { profile: { name: string } }[] }).contacts.map((contact) => contact.profile.name);
    expect(events.map((event) => names(event.data))).toEqual([
      ['Lena', 'Stray'],
      ['Otto', 'Stray'],
    ]);
  });

  test('a call event word this version does not know stays a generic calls event, flagged', () => {
    const events = eventsOfValue('calls', {
      calls: [
        { id: 'wacid.1', event: 'connect' },
        { id: 'wacid.2', event: 'transfer' },
      ],
    });
    expect(events.map((event) => event.type)).toEqual(['call.connect', 'whatsapp.calls']);
    expect(events[0]?.ordering_key).toBe('call:wacid.1');
    expect(events[1]?.data).toMatchObject({
      value: { calls: [{ id: 'wacid.2', event: 'transfer' }] },
      flags: ['unknown_calls_event:transfer'],
    });
  });

  test('a long list of call events this version does not know is kept whole and in order', () => {
    // As many items as one payload may hold: each is kept once, in the order sent.
    const calls = Array.from({ length: MAX_ITEMS_PER_PAYLOAD }, (_, index) =>
      index % 1000 === 0
        ? { id: `wacid.${index}`, event: 'connect' }
        : { id: `wacid.${index}`, event: 'transfer' },
    );
    const events = eventsOfValue('calls', { calls, surprise: 1 });
    const generic = events.filter((event) => event.type === 'whatsapp.calls');
    expect(events.filter((event) => event.type === 'call.connect')).toHaveLength(
      MAX_ITEMS_PER_PAYLOAD / 1000,
    );
    expect(generic).toHaveLength(1);
    expect(generic[0]?.data).toMatchObject({
      value: { surprise: 1, calls: calls.filter((call) => call.event === 'transfer') },
      flags: ['unknown_calls_event:transfer'],
    });
  });

  test('a business-app state this version does not know stays a generic event, flagged', () => {
    const events = eventsOfValue('smb_app_state_sync', {
      state_sync: [
        { type: 'contact', action: 'remove', contact: { phone_number: '4915112345678' } },
        { type: 'label', action: 'add', label: { name: 'VIP' } },
      ],
    });
    expect(events.map((event) => event.type)).toEqual(['contact.sync', 'whatsapp.smb_app_state_sync']);
    expect(events[1]?.data).toMatchObject({
      value: { state_sync: [{ type: 'label', action: 'add', label: { name: 'VIP' } }] },
      flags: ['unknown_state_sync_type:label'],
    });
  });

  test('an item field without items is passed on whole, flagged', () => {
    const events = eventsOfValue('group_lifecycle_update', { messaging_product: 'whatsapp', groups: [] });
    expect(events.map((event) => event.type)).toEqual(['whatsapp.group_lifecycle_update']);
    expect(events[0]?.data).toMatchObject({ flags: ['no_items:groups'] });
  });

  test('the same update told twice has one id; another time is another event', () => {
    const value = { event: 'APPROVED', message_template_id: 7 };
    const [first] = eventsOfValue('message_template_status_update', value, 100);
    const [again] = eventsOfValue(
      'message_template_status_update',
      { message_template_id: 7, event: 'APPROVED' },
      100,
    );
    const [later] = eventsOfValue('message_template_status_update', value, 200);
    expect(again?.id).toBe(first?.id);
    expect(later?.id).not.toBe(first?.id);
  });

  test('the exported types follow the presented keys', () => {
    expectTypeOf<TemplateStatusData['messageTemplateId']>().toEqualTypeOf<string | null>();
    expectTypeOf<TemplateStatusData['rejectionInfo']>().toEqualTypeOf<{
      reason: string | null;
      recommendation: string | null;
    } | null>();
    expectTypeOf<CallData['duration']>().toEqualTypeOf<number | null>();
    expectTypeOf<NonNullable<CallData['errors']>[number]['explanation']>().toEqualTypeOf<string>();
  });
});
