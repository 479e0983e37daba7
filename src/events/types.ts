/**
 * The events business systems receive (webhook deliveries, GET /v1/events, the SSE stream). These
 * types are exported from the package for consumers; docs/events.md describes the same schema.
 * A breaking change to any `data` shape bumps EVENT_SCHEMA_VERSION.
 */

import type { z } from 'zod';
import type * as wire from '../whatsapp/payload-schema-updates.js';
import type { Conversation, Counterpart, Pricing, Recipient } from '../whatsapp/types.js';
import type { MessageContent, MessageContext, Referral } from './content-types.js';
import type { PresentedOf } from './presented.js';
import type { MessageError } from './record-types.js';

export const EVENT_SCHEMA_VERSION = 1;

/** WhatsApp's own shapes that events carry, re-exported so consumers import every event type from here. */
export type { Conversation, Counterpart, Pricing, WhatsAppError } from '../whatsapp/types.js';
export { UPDATE_TYPES, type UpdateType } from './update-types.js';

export const EVENT_TYPES = {
  messageReceived: 'message.received',
  messageStatus: 'message.status',
  messageStuck: 'message.stuck',
  messageEcho: 'message.echo',
  messageConflict: 'message.conflict',
  whatsappError: 'whatsapp.error',
} as const;

/** Every other webhook field becomes `whatsapp.<field>`, e.g. `whatsapp.message_template_status_update`. */
export function fieldEventType(field: string): string {
  return `whatsapp.${field}`;
}

/**
 * The envelope: the same on every delivery and replay of an event, except `sequence`, which push
 * deliveries carry (the event's place among its subscription's events of the same ordering key).
 */
export interface EventEnvelope<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  schema_version: number;
  created_at: string;
  /** Events with the same key (one message, one conversation) are delivered in order. */
  ordering_key: string;
  phone_number_id: string | null;
  sequence?: number;
  data: Data;
}

/** The `data` of every event type this version names, by type. */
export interface EventDataByType extends UpdateEventDataByType {
  'message.received': MessageReceivedData;
  'message.status': MessageStatusData;
  'message.echo': MessageEchoData;
  'message.conflict': MessageConflictData;
  'message.stuck': MessageStuckData;
  'whatsapp.error': WhatsAppErrorData;
  'wahook.test': TestEventData;
}

export type KnownEventType = keyof EventDataByType;

/** An event of one named type, e.g. `EventOf<'message.status'>`. */
export type EventOf<Type extends KnownEventType> = EventEnvelope<Type, EventDataByType[Type]>;

/**
 * An event of a webhook field this version has no type of its own for: `whatsapp.<field>`, its
 * value kept whole (`known: false` when the field is new to this version).
 */
export type FieldEvent = EventEnvelope<`whatsapp.${string}`, FieldEventData>;

/**
 * Every event, discriminated by `type`: `switch (event.type)` narrows `data`. (`whatsapp.error` also
 * fits the `whatsapp.<field>` pattern, so in its branch `data` may still be a FieldEventData.)
 */
export type WahookEvent = { [Type in KnownEventType]: EventOf<Type> }[KnownEventType] | FieldEvent;

export type EventData = WahookEvent['data'];

export interface MessageReceivedData extends WithContacts {
  /** The wamid. */
  messageId: string;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  wabaId: string | null;
  /** Sender timestamp, ISO-8601; null when the sender gave none. */
  timestamp: string | null;
  from: Counterpart;
  /** `type` as sent (`text`, `image`, …). */
  type: string | null;
  content: MessageContent;
  context: MessageContext | null;
  referral: Referral | null;
  errors: MessageError[];
  groupId: string | null;
  /** The identity-change object (`acknowledged`, `created_timestamp`, `hash`) when the message has one. */
  identity: Record<string, unknown> | null;
  /**
   * What the message carried that no field above holds, by dotted path (`context.mentions`,
   * `location.latitude` sent as text): kept as sent, and named in `flags`. Null when nothing.
   */
  unparsed: Record<string, unknown> | null;
  /** Anything this version did not fully understand (unknown types, fields), kept rather than dropped. */
  flags: string[];
}

export interface MessageStatusData extends WithContacts {
  /** The wamid the send call returned. */
  messageId: string;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  wabaId: string | null;
  /** The status this update reports. */
  status: string;
  /** Sender timestamp of this update, ISO-8601. */
  timestamp: string;
  /** The message's status after merging every update seen so far (never moves backwards). */
  currentStatus: string;
  recipient: Recipient;
  /** `recipient_identity_key_hash` (only when the identity-change check is on); null otherwise. */
  recipientIdentityKeyHash: string | null;
  bizOpaqueCallbackData: string | null;
  pricing: Pricing | null;
  conversation: Conversation | null;
  errors: MessageError[];
  /** As in `message.received`: what no field above holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
  /** The business metadata of the send (POST /v1/messages) or attached with PUT /v1/messages/{wamid}/metadata; null when none. */
  metadata: Record<string, unknown> | null;
  /** The send through wahook behind this wamid: our id, the number as given, and the E.164 form (or BSUID) sent; null otherwise. */
  send: { id: string; input: string; to: string } | null;
}

/**
 * A message the business sent from the WhatsApp Business app or a linked device (coexistence),
 * echoed by `smb_message_echoes` / `message_echoes`. It is also the message's outbound record, so
 * the statuses that follow are statuses of a message the business sent.
 */
export interface MessageEchoData extends WithContacts {
  /** The wamid; later `message.status` events of the message carry it too. */
  messageId: string;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  wabaId: string | null;
  /** When the business sent it, ISO-8601; null when the echo gave no time. */
  timestamp: string | null;
  /** The business number it came from, as the echo gives it. */
  from: string | null;
  /** The user it went to. */
  to: Counterpart;
  type: string | null;
  content: MessageContent;
  context: MessageContext | null;
  errors: MessageError[];
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/**
 * A second body under a wamid already seen, saying something else (another text, another media
 * id): Meta reuses ids rarely, but when it does the later body must not vanish as a duplicate. The
 * first body stays what `message.received` / `message.echo` said; this carries the later one whole.
 */
export interface MessageConflictData {
  messageId: string;
  phoneNumberId: string | null;
  wabaId: string | null;
  /** The event type the later body would have been. */
  of: typeof EVENT_TYPES.messageReceived | typeof EVENT_TYPES.messageEcho;
  /** The later body, as that event's `data` (its flags include `conflicting_body`). */
  message: MessageReceivedData | MessageEchoData;
}

/** A send through wahook whose statuses stopped short (src/send/stuck.ts). */
export interface MessageStuckData {
  messageId: string;
  phoneNumberId: string;
  /** The status that did not come. */
  stage: 'sent' | 'delivered';
  /** The message's status when judged (`accepted` when no status arrived). */
  currentStatus: string;
  /** When wahook sent it, ISO-8601. */
  sentAt: string;
  waitedSeconds: number;
  /** What usually explains it, in plain words. */
  likelyCauses: string[];
  metadata: Record<string, unknown> | null;
  send: { id: string; input: string; to: string };
}

/**
 * `wahook.test`: what `wahook subscriptions test` posts to a subscription, signed like every
 * delivery but never stored; a subscriber answers 2xx and does nothing else.
 */
export interface TestEventData {
  test: true;
  message: string;
}

export interface WhatsAppErrorData extends WithContacts {
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  wabaId: string | null;
  error: MessageError;
  /** What the error carried beyond `error` (and the value beside its arrays), by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

export interface FieldEventData {
  field: string;
  wabaId: string | null;
  phoneNumberId: string | null;
  /** `entry[].time` as ISO-8601, or null. */
  time: string | null;
  /** The change's `value`, kept whole. */
  value: unknown;
  /** False when this version does not know the field: the event is still delivered. */
  known: boolean;
  flags: string[];
}

/**
 * What every typed update event (`template.status`, `call.terminate`, …) carries beside its own
 * fields. Those fields are Meta's keys of the webhook value (or of one element of its array) in
 * camelCase, each present, null when the sender left it out; errors are explained as everywhere.
 */
export interface UpdateEventBase {
  /** The webhook field, e.g. `message_template_status_update`. */
  field: string;
  wabaId: string | null;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  /** `entry[].time` as ISO-8601, or null. */
  time: string | null;
  /** What the value carried that no field of the event holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/**
 * Item events (users, calls, history, groups, business-app contacts, ad conversions), echoes, and
 * every event of a `messages` value (messages, statuses, value errors) carry what the value holds
 * beside its item arrays: `contacts[]` and `messaging_product`. A contact that names another
 * item's person is left to that item's event (process/parse/contact-owners.ts).
 */
export interface WithContacts {
  contacts: PresentedOf<typeof wire.itemSiblingsValue>['contacts'];
  /** `messaging_product` as sent (`whatsapp`); null when the value had none. */
  messagingProduct: PresentedOf<typeof wire.itemSiblingsValue>['messagingProduct'];
}

type Update<Schema extends z.ZodType> = UpdateEventBase & PresentedOf<Schema>;
type ItemUpdate<Schema extends z.ZodType> = Update<Schema> & WithContacts;

export type TemplateStatusData = Update<typeof wire.templateStatusValue>;
export type TemplateQualityData = Update<typeof wire.templateQualityValue>;
export type TemplateComponentsData = Update<typeof wire.templateComponentsValue>;
export type TemplateCategoryData = Update<typeof wire.templateCategoryValue>;
export type PhoneNumberQualityData = Update<typeof wire.phoneNumberQualityValue>;
export type PhoneNumberNameData = Update<typeof wire.phoneNumberNameValue>;
export type PhoneNumberSecurityData = Update<typeof wire.securityValue>;
export type BusinessUsernameData = Update<typeof wire.businessUsernameValue>;
export type AccountUpdateData = Update<typeof wire.accountUpdateValue>;
export type AccountAlertData = Update<typeof wire.accountAlertValue>;
export type AccountReviewData = Update<typeof wire.accountReviewValue>;
export type AccountCapabilityData = Update<typeof wire.businessCapabilityValue>;
export type FlowUpdateData = Update<typeof wire.flowValue>;
export type PartnerSolutionData = Update<typeof wire.partnerSolutionValue>;
export type PaymentConfigurationData = Update<typeof wire.paymentConfigurationValue>;
export type UserPreferenceData = ItemUpdate<typeof wire.userPreferenceItem>;
export type UserIdChangedData = ItemUpdate<typeof wire.userIdUpdateItem>;
export type CallData = ItemUpdate<typeof wire.callItem>;
export type CallStatusData = ItemUpdate<typeof wire.callStatusItem>;
export type HistoryChunkData = ItemUpdate<typeof wire.historyItem>;
export type GroupUpdateData = ItemUpdate<typeof wire.groupItem>;
export type ContactSyncData = ItemUpdate<typeof wire.stateSyncItem>;
export type AdConversionData = ItemUpdate<typeof wire.automaticEventItem>;

/** The `data` of each typed update event, by event type. */
export interface UpdateEventDataByType {
  'template.status': TemplateStatusData;
  'template.quality': TemplateQualityData;
  'template.components': TemplateComponentsData;
  'template.category': TemplateCategoryData;
  'phone_number.quality': PhoneNumberQualityData;
  'phone_number.name': PhoneNumberNameData;
  'phone_number.security': PhoneNumberSecurityData;
  'business.username': BusinessUsernameData;
  'account.update': AccountUpdateData;
  'account.alert': AccountAlertData;
  'account.review': AccountReviewData;
  'account.capability': AccountCapabilityData;
  'flow.update': FlowUpdateData;
  'user.preference': UserPreferenceData;
  'user.id_changed': UserIdChangedData;
  'call.connect': CallData;
  'call.terminate': CallData;
  'call.status': CallStatusData;
  'history.chunk': HistoryChunkData;
  'group.lifecycle': GroupUpdateData;
  'group.participants': GroupUpdateData;
  'group.settings': GroupUpdateData;
  'group.status': GroupUpdateData;
  'contact.sync': ContactSyncData;
  'ad.conversion': AdConversionData;
  'partner.solution': PartnerSolutionData;
  'payment.configuration': PaymentConfigurationData;
}
