/**
 * Typed updates: the non-`messages` fields a business acts on (a template paused, a number's
 * quality dropping, a user opting out of marketing, a call ending), each read against its wire
 * schema and presented as event data (present.ts). Two kinds of field:
 *
 * - whole-value fields (templates, account, number, flows): one update per change;
 * - item fields (user preferences, user id changes, calls, history, groups, business-app contacts,
 *   ad conversions): one update per element of the value's array, carrying the value's
 *   `contacts` and `messaging_product` beside it.
 *
 * Whatever a schema does not read is kept in `unparsed` under its path and named in the flags, as
 * for messages. A field not in this table, or an item this version cannot type (a call event word
 * or a state-sync type it does not know), stays the generic `whatsapp.<field>` event (field.ts).
 */
import type { z } from 'zod';
import { canonicalJson, eventIdFor } from '../../events/ids.js';
import type { WithContacts } from '../../events/types.js';
import { UPDATE_TYPES, type UpdateType } from '../../events/update-types.js';
import {
  accountAlertValue,
  accountReviewValue,
  accountUpdateValue,
  automaticEventItem,
  businessCapabilityValue,
  businessUsernameValue,
  callItem,
  callStatusItem,
  flowValue,
  groupItem,
  historyItem,
  itemSiblingsValue,
  partnerSolutionValue,
  paymentConfigurationValue,
  phoneNumberNameValue,
  phoneNumberQualityValue,
  securityValue,
  stateSyncItem,
  templateCategoryValue,
  templateComponentsValue,
  templateQualityValue,
  templateStatusValue,
  userIdUpdateItem,
  userPreferenceItem,
} from '../../whatsapp/payload-schema-updates.js';
import { type Audit, auditAgainst, auditFlags, emptyAudit, unparsedOrNull } from './audit.js';
import { contactsPerElement } from './contact-owners.js';
import type { FieldChange } from './field.js';
import { isRecord } from './normalize.js';
import { present } from './present.js';
import type { ItemOrigin, ParsedUpdate } from './types.js';

interface WholeValueSpec {
  shape: 'value';
  type: UpdateType;
  schema: z.ZodType;
}

interface ItemArray {
  key: string;
  schema: z.ZodType;
  /** The event type of one element, or null when this version cannot type it. */
  typeOf: (item: Record<string, unknown>) => UpdateType | null;
  /** The element's key whose word `typeOf` reads, named in the flag of an element it cannot type. */
  discriminator?: string;
  /** What the element's events are ordered by; the WABA when omitted. */
  orderingOf?: (item: Record<string, unknown>) => string | null;
}

interface ItemsSpec {
  shape: 'items';
  arrays: readonly ItemArray[];
}

type UpdateSpec = WholeValueSpec | ItemsSpec;

const value = (type: UpdateType, schema: z.ZodType): WholeValueSpec => ({ shape: 'value', type, schema });
const items = (...arrays: ItemArray[]): ItemsSpec => ({ shape: 'items', arrays });
const always = (type: UpdateType) => () => type;
const groups = (type: UpdateType) => items({ key: 'groups', schema: groupItem, typeOf: always(type) });

/** The event type an element's `discriminator` word names; other words stay generic, flagged. */
const byWord =
  (key: string, types: Readonly<Record<string, UpdateType>>) =>
  (item: Record<string, unknown>): UpdateType | null => {
    const word = item[key];
    return typeof word === 'string' && Object.hasOwn(types, word) ? (types[word] ?? null) : null;
  };

const CALL_EVENTS: Readonly<Record<string, UpdateType>> = {
  connect: UPDATE_TYPES.callConnect,
  terminate: UPDATE_TYPES.callTerminate,
};
// Meta documents one kind of business-app state so far; another kind would not be a contact.
const STATE_SYNC_TYPES: Readonly<Record<string, UpdateType>> = { contact: UPDATE_TYPES.contactSync };
const byCallId = (item: Record<string, unknown>) => (typeof item.id === 'string' ? `call:${item.id}` : null);

const UPDATE_SPECS: Readonly<Record<string, UpdateSpec>> = {
  message_template_status_update: value(UPDATE_TYPES.templateStatus, templateStatusValue),
  message_template_quality_update: value(UPDATE_TYPES.templateQuality, templateQualityValue),
  message_template_components_update: value(UPDATE_TYPES.templateComponents, templateComponentsValue),
  template_category_update: value(UPDATE_TYPES.templateCategory, templateCategoryValue),
  phone_number_quality_update: value(UPDATE_TYPES.phoneNumberQuality, phoneNumberQualityValue),
  phone_number_name_update: value(UPDATE_TYPES.phoneNumberName, phoneNumberNameValue),
  security: value(UPDATE_TYPES.phoneNumberSecurity, securityValue),
  business_username_update: value(UPDATE_TYPES.businessUsername, businessUsernameValue),
  account_update: value(UPDATE_TYPES.accountUpdate, accountUpdateValue),
  account_alerts: value(UPDATE_TYPES.accountAlert, accountAlertValue),
  account_review_update: value(UPDATE_TYPES.accountReview, accountReviewValue),
  business_capability_update: value(UPDATE_TYPES.accountCapability, businessCapabilityValue),
  flows: value(UPDATE_TYPES.flowUpdate, flowValue),
  user_preferences: items({
    key: 'user_preferences',
    schema: userPreferenceItem,
    typeOf: always(UPDATE_TYPES.userPreference),
  }),
  user_id_update: items({
    key: 'user_id_update',
    schema: userIdUpdateItem,
    typeOf: always(UPDATE_TYPES.userIdChanged),
  }),
  calls: items(
    {
      key: 'calls',
      schema: callItem,
      typeOf: byWord('event', CALL_EVENTS),
      discriminator: 'event',
      orderingOf: byCallId,
    },
    {
      key: 'statuses',
      schema: callStatusItem,
      typeOf: always(UPDATE_TYPES.callStatus),
      orderingOf: byCallId,
    },
  ),
  history: items({ key: 'history', schema: historyItem, typeOf: always(UPDATE_TYPES.historyChunk) }),
  group_lifecycle_update: groups(UPDATE_TYPES.groupLifecycle),
  group_participants_update: groups(UPDATE_TYPES.groupParticipants),
  group_settings_update: groups(UPDATE_TYPES.groupSettings),
  group_status_update: groups(UPDATE_TYPES.groupStatus),
  smb_app_state_sync: items({
    key: 'state_sync',
    schema: stateSyncItem,
    typeOf: byWord('type', STATE_SYNC_TYPES),
    discriminator: 'type',
  }),
  automatic_events: items({
    key: 'automatic_events',
    schema: automaticEventItem,
    typeOf: always(UPDATE_TYPES.adConversion),
  }),
  partner_solutions: value(UPDATE_TYPES.partnerSolution, partnerSolutionValue),
  payment_configuration_update: value(UPDATE_TYPES.paymentConfiguration, paymentConfigurationValue),
};

/** The fields this version types, for tests that must cover each of them. */
export const TYPED_FIELDS: readonly string[] = Object.keys(UPDATE_SPECS);

/** Whether this version types a field (at least some of its items). */
export function isTypedField(field: string): boolean {
  return Object.hasOwn(UPDATE_SPECS, field);
}

/** An upper bound of the items a change yields, counted before parsing so work stays bounded. */
export function countUpdateItems(field: string, value: Record<string, unknown>): number {
  const spec = UPDATE_SPECS[field];
  if (spec === undefined || spec.shape === 'value') return 1;
  let count = 0;
  for (const { key } of spec.arrays) {
    const list = value[key];
    if (list !== undefined) count += Array.isArray(list) ? list.length : 1;
  }
  return Math.max(count, 1);
}

/** What an item field's value held that no update took; handed back to be the generic event. */
export interface UntypedRest {
  value: Record<string, unknown>;
  flags: string[];
}

export interface UpdateOutcome {
  updates: ParsedUpdate[];
  /** Present when part of the value could not be typed (unknown items, no items at all). */
  rest: UntypedRest | null;
}

/** The typed updates of a change whose field `isTypedField`. */
export function parseUpdates(
  change: FieldChange,
  origin: ItemOrigin,
  flags: readonly string[],
): UpdateOutcome {
  const spec = UPDATE_SPECS[change.field];
  if (spec === undefined) return { updates: [], rest: { value: change.value, flags: [...flags] } };
  if (spec.shape === 'value') {
    const audit = auditAgainst(spec.schema, change.value, emptyAudit());
    const data = present(spec.schema, spec.schema.parse(change.value)) as Record<string, unknown>;
    const eventId = eventIdFor('field', idParts(change, origin, canonicalJson(change.value)));
    return { updates: [update(change, origin, spec.type, eventId, data, audit, flags, null)], rest: null };
  }
  return parseItemUpdates(change, origin, flags, spec);
}

type Contacts = NonNullable<WithContacts['contacts']>;

function parseItemUpdates(
  change: FieldChange,
  origin: ItemOrigin,
  flags: readonly string[],
  spec: ItemsSpec,
): UpdateOutcome {
  const keys = new Set(spec.arrays.map((array) => array.key));
  const siblings = auditAgainst(itemSiblingsValue, siblingsOf(change.value, keys), emptyAudit(), {
    path: 'value',
  });
  const shared = present(itemSiblingsValue, itemSiblingsValue.parse(change.value)) as {
    contacts: unknown;
    messagingProduct: unknown;
  };
  const typed: { array: ItemArray; raw: Record<string, unknown>; type: UpdateType }[] = [];
  const untyped: Record<string, unknown[]> = {};
  const restFlags: string[] = [];
  for (const array of spec.arrays) {
    const list = change.value[array.key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      untyped[array.key] = [list];
      restFlags.push(`malformed_${array.key}:not_an_array`);
      continue;
    }
    for (const raw of list) {
      const type = isRecord(raw) ? array.typeOf(raw) : null;
      if (!isRecord(raw) || type === null) {
        // Pushed in place: spreading the list again for each element made a long list quadratic.
        const kept = untyped[array.key];
        if (kept === undefined) untyped[array.key] = [raw];
        else kept.push(raw);
        restFlags.push(isRecord(raw) ? untypedFlag(array, raw) : `malformed_${array.key}:not_an_object`);
        continue;
      }
      typed.push({ array, raw, type });
    }
  }
  // Each element carries the contacts of the people it names, and those that name no element.
  const contacts = contactsPerElement(
    (shared.contacts ?? []) as Contacts,
    typed.map((entry) => entry.raw),
  );
  const updates = typed.map(({ array, raw, type }, index): ParsedUpdate => {
    const audit = auditAgainst(array.schema, raw, copyAudit(siblings));
    const data = {
      ...(present(array.schema, array.schema.parse(raw)) as Record<string, unknown>),
      contacts: contacts[index] ?? [],
      messagingProduct: shared.messagingProduct,
    };
    const eventId = eventIdFor('field', [...idParts(change, origin, canonicalJson(raw)), array.key]);
    const ordering = array.orderingOf?.(raw) ?? null;
    return update(change, origin, type, eventId, data, audit, flags, ordering);
  });
  if (updates.length === 0 && Object.keys(untyped).length === 0) {
    // Nothing to type, yet something arrived: hand the value on whole rather than yield nothing.
    return { updates, rest: { value: change.value, flags: [...flags, `no_items:${[...keys].join(',')}`] } };
  }
  if (Object.keys(untyped).length === 0) return { updates, rest: null };
  const rest = { ...siblingsOf(change.value, keys), ...untyped };
  return { updates, rest: { value: rest, flags: [...flags, ...new Set(restFlags)] } };
}

/** `unknown_calls_event:transfer`: the array, the key whose word was not understood, the word. */
function untypedFlag(array: ItemArray, raw: Record<string, unknown>): string {
  const key = array.discriminator ?? 'type';
  const word = raw[key];
  return `unknown_${array.key}_${key}:${typeof word === 'string' ? word.slice(0, 64) : 'missing'}`;
}

function siblingsOf(value: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.has(key)));
}

function copyAudit(audit: Audit): Audit {
  return {
    unparsed: { ...audit.unparsed },
    unknownPaths: [...audit.unknownPaths],
    wrongTypePaths: [...audit.wrongTypePaths],
  };
}

function idParts(change: FieldChange, origin: ItemOrigin, content: string): string[] {
  return [
    change.field,
    change.wabaId ?? '',
    origin.phoneNumberId ?? '',
    change.time === null ? '' : String(change.time),
    content,
  ];
}

function update(
  change: FieldChange,
  origin: ItemOrigin,
  type: UpdateType,
  eventId: string,
  data: Record<string, unknown>,
  audit: Audit,
  flags: readonly string[],
  orderingKey: string | null,
): ParsedUpdate {
  return {
    kind: 'update',
    eventId,
    type,
    field: change.field,
    ...origin,
    time: change.time,
    data,
    orderingKey,
    unparsed: unparsedOrNull(audit),
    flags: [...flags, ...auditFlags(audit)],
  };
}
