/**
 * The events business systems receive (webhook deliveries, GET /v1/events, the SSE stream). These
 * types are exported from the package for consumers; docs/events.md describes the same schema.
 * A breaking change to any `data` shape bumps EVENT_SCHEMA_VERSION.
 */

import type { MessageError } from '../process/message-record.js';
import type { MessageContent } from '../process/parse/content-types.js';
import type { MessageContext, Referral } from '../process/parse/types.js';
import type { Conversation, Counterpart, Pricing, Recipient } from '../whatsapp/types.js';

export const EVENT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = {
  messageReceived: 'message.received',
  messageStatus: 'message.status',
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
export interface WahookEvent<T = EventData> {
  id: string;
  type: string;
  schema_version: number;
  created_at: string;
  /** Events with the same key (one message, one conversation) are delivered in order. */
  ordering_key: string;
  phone_number_id: string | null;
  sequence?: number;
  data: T;
}

export type EventData = MessageReceivedData | MessageStatusData | WhatsAppErrorData | FieldEventData;

export interface MessageReceivedData {
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

export interface MessageStatusData {
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
  bizOpaqueCallbackData: string | null;
  pricing: Pricing | null;
  conversation: Conversation | null;
  errors: MessageError[];
  /** As in `message.received`: what no field above holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

export interface WhatsAppErrorData {
  phoneNumberId: string | null;
  wabaId: string | null;
  error: MessageError;
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
