/**
 * The body of POST /v1/messages, checked and turned into what the Graph API gets. The recipient
 * is decided here: `to` through phone normalization (the request's region, else the default
 * region), `recipient` as a BSUID, verbatim. Anything about the message body itself is left to
 * Meta, whose errors are explained to the caller; only what would make the send ours to break
 * (a `to` inside the message, our opaque data overwritten) is refused here.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WahookError } from '../errors.js';
import type { IssueLike } from '../lib/describe-issues.js';
import { bsuidRecipient, phoneRecipient, type Recipient } from '../whatsapp/recipient.js';

export const MAX_METADATA_BYTES = 4096;

export const sendBodySchema = z
  .object({
    phone_number_id: z
      .string()
      .regex(/^\d{1,32}$/, 'phone_number_id is the numeric id of the business number'),
    to: z.string().max(64).optional(),
    recipient: z.string().max(160).optional(),
    region: z.string().max(8).optional(),
    message: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()).optional(),
    idempotency_key: z.string().min(1).max(200).optional(),
  })
  .strict();

export type SendBody = z.infer<typeof sendBodySchema>;

/**
 * `phone_number_id: …; body: …`: the send's problems, in the same words whether the route's
 * schema or `prepareSend` (for callers other than the API) finds them.
 */
export function describeSendIssues(issues: readonly IssueLike[]): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`).join('; ');
}

export interface PreparedSend {
  phoneNumberId: string;
  recipient: Recipient;
  messageType: string;
  message: Record<string, unknown>;
  metadata: Record<string, unknown> | null;
  idempotencyKey: string | null;
  requestHash: string;
}

const RESERVED = ['messaging_product', 'to', 'recipient', 'recipient_type', 'biz_opaque_callback_data'];

export function prepareSend(input: unknown, defaultRegion: string | undefined): PreparedSend {
  const parsed = sendBodySchema.safeParse(input);
  if (!parsed.success) throw new WahookError('bad_request', describeSendIssues(parsed.error.issues));
  const body = parsed.data;
  if ((body.to === undefined) === (body.recipient === undefined))
    throw new WahookError(
      'bad_request',
      'give exactly one of "to" (a phone number) and "recipient" (a BSUID)',
    );
  const outcome =
    body.to !== undefined
      ? phoneRecipient(body.to, body.region ?? defaultRegion)
      : bsuidRecipient(body.recipient as string);
  if (!outcome.ok) throw new WahookError('invalid_recipient', outcome.reason);
  for (const key of RESERVED) {
    if (key in body.message)
      throw new WahookError(
        'bad_request',
        `message.${key} is set by wahook; give the recipient as "to" or "recipient"`,
      );
  }
  const messageType = typeof body.message.type === 'string' ? body.message.type : 'text';
  if (typeof body.message[messageType] !== 'object' || body.message[messageType] === null)
    throw new WahookError(
      'bad_request',
      `message.${messageType} is missing: a Cloud API message names its content by its type`,
    );
  const metadata = body.metadata ?? null;
  if (metadata !== null && Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES)
    throw new WahookError('bad_request', `metadata is over ${MAX_METADATA_BYTES} bytes as JSON`);
  const to = outcome.recipient.kind === 'phone' ? outcome.recipient.e164 : outcome.recipient.userId;
  return {
    phoneNumberId: body.phone_number_id,
    recipient: outcome.recipient,
    messageType,
    message: body.message,
    metadata,
    idempotencyKey: body.idempotency_key ?? null,
    requestHash: createHash('sha256')
      .update(JSON.stringify([body.phone_number_id, to, body.message]))
      .digest('hex'),
  };
}

/** The Graph API body: the caller's message with our recipient fields and opaque data. */
export function graphBody(send: PreparedSend, opaque: string): Record<string, unknown> {
  const recipient =
    send.recipient.kind === 'phone' ? { to: send.recipient.e164 } : { recipient: send.recipient.userId };
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    ...recipient,
    type: send.messageType,
    ...send.message,
    biz_opaque_callback_data: opaque,
  };
}
