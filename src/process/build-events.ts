import { eventIdFor } from '../events/ids.js';
import type { MessageError, MessageRecord } from '../events/record-types.js';
import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  type FieldEventData,
  fieldEventType,
  type MessageConflictData,
  type MessageEchoData,
  type MessageReceivedData,
  type MessageStatusData,
  type UpdateEventBase,
  type WhatsAppErrorData,
} from '../events/types.js';
import type { NewEvent } from '../store/ports.js';
import type { MessageContext } from '../store/send-ports.js';
import { explainError } from '../whatsapp/error-catalog.js';
import type { WhatsAppError } from '../whatsapp/types.js';
import type {
  ParsedEcho,
  ParsedError,
  ParsedField,
  ParsedMessage,
  ParsedStatus,
  ParsedUpdate,
} from './parse/types.js';

/**
 * Pure: parsed items (plus the merged record, for statuses) → events. Ordering keys put every event
 * of one message in one lane and every inbound message of one conversation in one lane, so the
 * delivery stage can keep their order per subscription.
 */
export function messageReceivedEvent(item: ParsedMessage, now: number): NewEvent {
  const data: MessageReceivedData = {
    messageId: item.wamid,
    phoneNumberId: item.phoneNumberId,
    displayPhoneNumber: item.displayPhoneNumber,
    wabaId: item.wabaId,
    timestamp: isoOrNull(item.timestamp),
    from: item.from,
    contacts: item.contacts,
    messagingProduct: item.messagingProduct,
    type: item.type,
    content: item.content,
    context: item.context,
    referral: item.referral,
    errors: item.errors.map(explained),
    groupId: item.groupId,
    identity: item.identity,
    unparsed: item.unparsed,
    flags: item.flags,
  };
  const user = item.from.waId ?? item.from.userId ?? item.wamid;
  return event(
    item.eventId,
    EVENT_TYPES.messageReceived,
    now,
    `conv:${item.phoneNumberId ?? '-'}:${user}`,
    item.phoneNumberId,
    data,
  );
}

/** An echo shares its message's lane with the statuses that follow it. */
export function messageEchoEvent(item: ParsedEcho, now: number): NewEvent {
  const data: MessageEchoData = {
    messageId: item.wamid,
    phoneNumberId: item.phoneNumberId,
    displayPhoneNumber: item.displayPhoneNumber,
    wabaId: item.wabaId,
    timestamp: isoOrNull(item.timestamp),
    from: item.from,
    to: item.to,
    contacts: item.contacts,
    messagingProduct: item.messagingProduct,
    type: item.type,
    content: item.content,
    context: item.context,
    errors: item.errors.map(explained),
    unparsed: item.unparsed,
    flags: item.flags,
  };
  return event(item.eventId, EVENT_TYPES.messageEcho, now, `msg:${item.wamid}`, item.phoneNumberId, data);
}

/**
 * The later of two bodies under one wamid: its id hashes the body's digest, so the same later body
 * told again is one event, and a third, different one is another.
 */
export function messageConflictEvent(
  item: ParsedMessage | ParsedEcho,
  digest: string,
  now: number,
): NewEvent {
  const original = item.kind === 'message' ? messageReceivedEvent(item, now) : messageEchoEvent(item, now);
  const message = original.data as MessageReceivedData | MessageEchoData;
  const data: MessageConflictData = {
    messageId: item.wamid,
    phoneNumberId: item.phoneNumberId,
    wabaId: item.wabaId,
    of: original.type as MessageConflictData['of'],
    message: { ...message, flags: [...message.flags, 'conflicting_body'] },
  };
  const id = eventIdFor('message', [item.wamid, 'conflict', digest]);
  return event(id, EVENT_TYPES.messageConflict, now, original.orderingKey, item.phoneNumberId, data);
}

export function messageStatusEvent(
  item: ParsedStatus,
  record: Pick<MessageRecord, 'status'>,
  now: number,
  context?: MessageContext,
): NewEvent {
  const send = context?.send ?? null;
  const data: MessageStatusData = {
    messageId: item.wamid,
    phoneNumberId: item.phoneNumberId,
    displayPhoneNumber: item.displayPhoneNumber,
    wabaId: item.wabaId,
    status: item.status,
    timestamp: new Date(item.timestamp * 1000).toISOString(),
    currentStatus: record.status,
    recipient: item.recipient,
    recipientIdentityKeyHash: item.recipientIdentityKeyHash,
    contacts: item.contacts,
    messagingProduct: item.messagingProduct,
    bizOpaqueCallbackData: item.bizOpaqueCallbackData,
    pricing: item.pricing,
    conversation: item.conversation,
    errors: item.errors.map(explained),
    unparsed: item.unparsed,
    flags: item.flags,
    metadata: context?.metadata ?? null,
    send: send ? { id: send.id, input: send.input, to: send.recipient } : null,
  };
  return event(item.eventId, EVENT_TYPES.messageStatus, now, `msg:${item.wamid}`, item.phoneNumberId, data);
}

export function whatsappErrorEvent(item: ParsedError, now: number): NewEvent {
  const data: WhatsAppErrorData = {
    phoneNumberId: item.phoneNumberId,
    displayPhoneNumber: item.displayPhoneNumber,
    wabaId: item.wabaId,
    error: explained(item.error),
    contacts: item.contacts,
    messagingProduct: item.messagingProduct,
    unparsed: item.unparsed,
    flags: item.flags,
  };
  return event(
    item.eventId,
    EVENT_TYPES.whatsappError,
    now,
    `waba:${item.wabaId ?? '-'}`,
    item.phoneNumberId,
    data,
  );
}

/** A typed update: its own fields first, then what every update carries. */
export function updateEvent(item: ParsedUpdate, now: number): NewEvent {
  const base: UpdateEventBase = {
    field: item.field,
    wabaId: item.wabaId,
    phoneNumberId: item.phoneNumberId,
    displayPhoneNumber: item.displayPhoneNumber,
    time: isoOrNull(item.time),
    unparsed: item.unparsed,
    flags: item.flags,
  };
  const orderingKey = item.orderingKey ?? `waba:${item.wabaId ?? '-'}`;
  return event(item.eventId, item.type, now, orderingKey, item.phoneNumberId, { ...item.data, ...base });
}

export function fieldEvent(item: ParsedField, now: number): NewEvent {
  const data: FieldEventData = {
    field: item.field,
    wabaId: item.wabaId,
    phoneNumberId: item.phoneNumberId,
    time: isoOrNull(item.time),
    value: item.value,
    known: item.known,
    flags: item.flags,
  };
  return event(
    item.eventId,
    fieldEventType(item.field),
    now,
    `waba:${item.wabaId ?? '-'}`,
    item.phoneNumberId,
    data,
  );
}

function event(
  id: string,
  type: string,
  now: number,
  orderingKey: string,
  phoneNumberId: string | null,
  data: unknown,
): NewEvent {
  return { id, type, schemaVersion: EVENT_SCHEMA_VERSION, createdAt: now, orderingKey, phoneNumberId, data };
}

function explained(error: WhatsAppError): MessageError {
  return {
    code: error.code,
    title: error.title,
    message: error.message,
    details: error.details,
    href: error.href,
    explanation: explainError(error),
  };
}

function isoOrNull(unixSeconds: number | null): string | null {
  if (unixSeconds === null || !Number.isFinite(unixSeconds)) return null;
  const date = new Date(unixSeconds * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
