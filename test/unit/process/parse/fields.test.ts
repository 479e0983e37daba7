import { describe, expect, test } from 'vitest';
import { cloudBody, fieldsIn, itemsOf, single, updatesIn, WABA_ID } from './helpers.js';

const itemsOfField = (field: string, value: Record<string, unknown>, time = 1767262400) =>
  itemsOf(cloudBody(value, { field, time }));
const fieldItem = (field: string, value: Record<string, unknown>, time = 1767262400) =>
  single(fieldsIn(itemsOfField(field, value, time)));
const updateItem = (field: string, value: Record<string, unknown>, time = 1767262400) =>
  single(updatesIn(itemsOfField(field, value, time)));

/** One value per documented field, shaped as section 6 of the fact reference describes it. */
const DOCUMENTED_VALUES: Record<string, Record<string, unknown>> = {
  message_template_status_update: { event: 'APPROVED', message_template_id: 1, reason: 'NONE' },
  message_template_quality_update: { previous_quality_score: 'GREEN', new_quality_score: 'YELLOW' },
  message_template_components_update: { message_template_id: 1, message_template_name: 'n' },
  template_category_update: { message_template_id: 1, new_category: 'MARKETING' },
  phone_number_quality_update: { display_phone_number: '4930123456789', event: 'THROUGHPUT_UPGRADE' },
  phone_number_name_update: { display_phone_number: '4930123456789', decision: 'APPROVED' },
  account_update: { event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } },
  account_alerts: { entity_type: 'BUSINESS', alert_info: { alert_type: 'OBA_APPROVED' } },
  account_review_update: { decision: 'APPROVED' },
  business_capability_update: { max_daily_conversations_per_business: 'TIER_1K' },
  security: { display_phone_number: '4930123456789', event: 'PIN_CHANGED' },
  flows: { event: 'FLOW_STATUS_CHANGE', flow_id: '5', old_status: 'DRAFT', new_status: 'PUBLISHED' },
  user_preferences: { user_preferences: [{ wa_id: '1', value: 'stop' }] },
  user_id_update: { user_id_update: [{ user_id: { previous: 'DE.1', current: 'DE.2' } }] },
  smb_message_echoes: {
    message_echoes: [{ from: '1', to: '2', id: 'wamid.E', type: 'text', text: { body: 'b' } }],
  },
  message_echoes: {
    message_echoes: [{ from: '1', to: '2', id: 'wamid.F', type: 'text', text: { body: 'c' } }],
  },
  history: { history: [{ threads: [] }] },
  calls: { calls: [{ id: 'wacid.1', event: 'connect' }] },
  smb_app_state_sync: {
    state_sync: [
      { type: 'contact', action: 'add', contact: { phone_number: '1' }, metadata: { timestamp: '5' } },
    ],
  },
  automatic_events: { automatic_events: [{ id: 'wamid.A', event_name: 'LeadSubmitted', timestamp: 5 }] },
  partner_solutions: { event: 'SOLUTION_CREATED', solution_id: '7', solution_status: 'DRAFT' },
  payment_configuration_update: { configuration_name: 'c', status: 'Active', created_timestamp: 5 },
  business_username_update: { display_phone_number: '4930123456789', username: 'acme', status: 'approved' },
  group_lifecycle_update: { groups: [{ group_id: '1', type: 'group_create' }] },
};

describe('non-messages fields', () => {
  test.each(Object.entries(DOCUMENTED_VALUES))('%s is known and not flagged', (field, value) => {
    const items = itemsOfField(field, value);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item).toMatchObject({ flags: [], unparsed: null, wabaId: WABA_ID });
      expect(item.kind).toBe(field.endsWith('message_echoes') ? 'echo' : 'update');
    }
  });

  test('an unknown field name is kept whole and flagged with its name', () => {
    const item = fieldItem('brand_new_field', { anything: [1, 2] });
    expect(item).toMatchObject({
      known: false,
      flags: ['unknown_field:brand_new_field'],
      value: { anything: [1, 2] },
    });
  });

  test('a known field whose value does not fit its schema is still emitted, flagged, nothing lost', () => {
    const value = { message_template_id: 'abc', surprise: true };
    const item = updateItem('message_template_status_update', value);
    expect(item).toMatchObject({
      type: 'template.status',
      data: { messageTemplateId: 'abc', event: null },
      unparsed: { surprise: true },
      flags: ['schema_mismatch:message_template_status_update', 'unknown_fields:surprise'],
    });
  });

  test('the number a field is about is picked up from the value when it says so', () => {
    const item = updateItem(
      'phone_number_quality_update',
      DOCUMENTED_VALUES.phone_number_quality_update ?? {},
    );
    expect(item).toMatchObject({
      displayPhoneNumber: '4930123456789',
      phoneNumberId: null,
      time: 1767262400,
    });
  });
});
