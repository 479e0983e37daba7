/** The parser's output: one item per thing a webhook body reports, each with a deterministic id. */

import type { MessageContent, MessageContext, Referral } from '../../events/content-types.js';
import type { WithContacts } from '../../events/types.js';
import type { UpdateType } from '../../events/update-types.js';
import type { Counterpart, StatusUpdate, WhatsAppError } from '../../whatsapp/types.js';

export type { MessageContext, Referral } from '../../events/content-types.js';

export type PayloadFormat = 'cloud' | 'on-premises';

export type ParseOutcome =
  | {
      ok: true;
      format: PayloadFormat;
      items: ParsedItem[];
      /** Flags about the envelope itself, e.g. `unexpected_object:page`. */
      flags: string[];
    }
  | { ok: false; reason: string };

export type ParsedItem = ParsedMessage | ParsedEcho | ParsedStatus | ParsedError | ParsedUpdate | ParsedField;

/** Where an item came from. Cloud payloads route by phone number id; On-Premises ones carry none. */
export interface ItemOrigin {
  wabaId: string | null;
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
}

/**
 * What an item of a `messages` (or echoes) value carries from the value itself: its `contacts[]`,
 * presented as for item updates, and its `messaging_product`. Each contact goes with the items that
 * name its person, one that names none with every item (contact-owners.ts), so a contact that
 * names no item, or a value of statuses only, loses nothing.
 */
export interface FromValue {
  contacts: WithContacts['contacts'];
  messagingProduct: WithContacts['messagingProduct'];
}

export interface ParsedMessage extends ItemOrigin, FromValue {
  kind: 'message';
  eventId: string;
  wamid: string;
  /** Sender timestamp, unix seconds; null when the sender gave none. */
  timestamp: number | null;
  from: Counterpart;
  /** `type` exactly as sent; null when absent. */
  type: string | null;
  content: MessageContent;
  context: MessageContext | null;
  referral: Referral | null;
  errors: WhatsAppError[];
  groupId: string | null;
  /** The identity-change object some Cloud versions attach, as sent; null when absent. */
  identity: Record<string, unknown> | null;
  /** What the message carried that no typed field holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/**
 * A message the business sent from the WhatsApp Business app or a linked device (coexistence),
 * echoed to the webhook: the outbound message record of its wamid (parse/echo.ts).
 */
export interface ParsedEcho extends ItemOrigin, FromValue {
  kind: 'echo';
  eventId: string;
  wamid: string;
  /** Sender timestamp, unix seconds; null when the echo gave none. */
  timestamp: number | null;
  /** The business number it was sent from, as the echo gives it. */
  from: string | null;
  /** The user it went to (`to`, `to_user_id`, joined with `contacts[]`). */
  to: Counterpart;
  type: string | null;
  content: MessageContent;
  context: MessageContext | null;
  errors: WhatsAppError[];
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

export interface ParsedStatus extends StatusUpdate, ItemOrigin, FromValue {
  kind: 'status';
  eventId: string;
  /** `recipient_identity_key_hash`, when the identity-change check is on; null otherwise. */
  recipientIdentityKeyHash: string | null;
  /** What the status carried that no typed field holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/** An error not tied to one message: `value.errors[]`, or top-level `errors[]` On-Premises. */
export interface ParsedError extends ItemOrigin, FromValue {
  kind: 'error';
  eventId: string;
  error: WhatsAppError;
  /** What the error (or the value beside its arrays) carried that `error` does not hold; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/**
 * A non-`messages` change (or one element of its array) this version types: a template, account,
 * number, flow, user, call, history or group update (parse/update.ts).
 */
export interface ParsedUpdate extends ItemOrigin {
  kind: 'update';
  eventId: string;
  /** The event type, e.g. `template.status`. */
  type: UpdateType;
  field: string;
  /** `entry[].time`, unix seconds. */
  time: number | null;
  /** Meta's keys in camelCase, each present (null when absent); see parse/present.ts. */
  data: Record<string, unknown>;
  /** What the events of this update are ordered by, when not by WABA (a call's id). */
  orderingKey: string | null;
  /** What the value carried that no typed field holds, by dotted path; null when nothing. */
  unparsed: Record<string, unknown> | null;
  flags: string[];
}

/**
 * Every other change (template, account, quality, flows, … updates), kept whole. Also used for what
 * arrived in a `messages` change but cannot be read as a message, status or error, so nothing is lost.
 */
export interface ParsedField extends ItemOrigin {
  kind: 'field';
  eventId: string;
  field: string;
  /** `entry[].time`, unix seconds. */
  time: number | null;
  value: unknown;
  /** Whether this version knows the field name. */
  known: boolean;
  flags: string[];
}
