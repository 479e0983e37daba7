import { z } from 'zod';
import { parseAnswer } from './answer.js';

/**
 * The part of the message JSON (GET /v1/messages/{wamid}) that `wahook status` renders. Lenient on
 * purpose: a server one version ahead may add fields or leave optional ones out, and the timeline
 * should still print what it can.
 */
const text = z.string().nullable().optional();

const whatsAppErrorSchema = z.object({
  code: z.number(),
  title: text,
  message: text,
  details: text,
});

const messageErrorSchema = whatsAppErrorSchema.extend({ explanation: z.string().optional() });

const counterpartSchema = z.object({
  waId: text,
  userId: text,
  parentUserId: text,
  name: text,
  username: text,
  recipientId: text,
  recipientType: text,
  participantId: text,
});

const pricingSchema = z.object({
  billable: z.boolean().nullable().optional(),
  pricingModel: text,
  type: text,
  category: text,
});

const historyEntrySchema = z.object({
  status: z.string(),
  timestamp: z.string(),
  errors: z.array(whatsAppErrorSchema).optional(),
  pricing: pricingSchema.nullable().optional(),
  messageType: text,
});

const messageViewSchema = z.object({
  id: z.string(),
  direction: z.string(),
  status: z.string(),
  phoneNumberId: text,
  messageType: text,
  counterpart: counterpartSchema.nullable().optional(),
  errors: z.array(messageErrorSchema).default([]),
  history: z.array(historyEntrySchema).default([]),
  pricing: pricingSchema.nullable().optional(),
  bizOpaqueCallbackData: text,
  first_seen_at: text,
  updated_at: text,
  /** Set when the server could not read the stored record: only the stored columns came. */
  record_error: text,
});

export type MessageView = z.output<typeof messageViewSchema>;
export type MessageViewError = MessageView['errors'][number];
export type MessageViewHistoryEntry = MessageView['history'][number];
export type MessageViewCounterpart = NonNullable<MessageView['counterpart']>;

/** Parses message JSON; `origin` names where it came from for the error a mismatch raises. */
export function parseMessageView(json: unknown, origin: string): MessageView {
  return parseAnswer(messageViewSchema, json, origin, 'message JSON');
}
