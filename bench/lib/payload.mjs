import { createHmac } from 'node:crypto';

/**
 * A realistic webhook body for load tests: one Cloud API `messages` change carrying a batch of
 * status updates with the pricing, conversation and tracking fields Meta sends (shapes as in the
 * WhatsApp fact reference, §5.4), serialized the way Meta serializes (`/` escaped, no whitespace).
 * A load test signs it once and sends the same bytes: the receiver's work does not depend on the
 * content, only on the size.
 */
const PHONE_NUMBER_ID = '112233445566778';
const DISPLAY_NUMBER = '4930123456789';
const RECIPIENT = '4915112345678';
const BASE_TIME = 1767262000;

function wamid(n) {
  const hex = (0x98a1b2c3d4e5f6a7b8n + BigInt(n)).toString(16).toUpperCase();
  return `wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEj${Buffer.from(hex).toString('base64')}`;
}

function sentStatus(n) {
  return {
    id: wamid(n),
    status: 'sent',
    timestamp: String(BASE_TIME + n),
    recipient_id: RECIPIENT,
    biz_opaque_callback_data: `order:${8800 + n};tenant:acme`,
    conversation: {
      id: `5f1c0e7a9b2d4c6e8f0a1b2c3d4e5f${String(60 + n).padStart(2, '0')}`,
      expiration_timestamp: String(BASE_TIME + 86_400 + n),
      origin: { type: 'utility' },
    },
    pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
  };
}

function deliveredStatus(n) {
  return {
    id: wamid(n),
    status: 'delivered',
    timestamp: String(BASE_TIME + 3 + n),
    recipient_id: RECIPIENT,
    recipient_user_id: 'DE.8841203399120045771',
    pricing: { billable: true, pricing_model: 'PMP', type: 'regular', category: 'utility' },
  };
}

function readStatus(n) {
  return { id: wamid(n), status: 'read', timestamp: String(BASE_TIME + 140 + n), recipient_id: RECIPIENT };
}

const KINDS = [sentStatus, deliveredStatus, readStatus];

/** The envelope as an object: `statuses` updates cycling sent → delivered → read. */
export function statusBatch(statuses = 5) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: DISPLAY_NUMBER, phone_number_id: PHONE_NUMBER_ID },
              contacts: [
                { profile: { name: 'Lena Vogel' }, wa_id: RECIPIENT, user_id: 'DE.8841203399120045771' },
              ],
              statuses: Array.from({ length: statuses }, (_, n) => KINDS[n % KINDS.length](n)),
            },
          },
        ],
      },
    ],
  };
}

/** Meta's serialization: no whitespace, `/` as `\/`, non-ASCII as lower-case `\uXXXX`. */
export function serializeLikeMeta(value) {
  return JSON.stringify(value).replace(/[\u0080-\uffff/]/g, (char) =>
    char === '/' ? '\\/' : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

export function signBody(body, secret) {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * The bytes and headers of one signed status webhook of about `targetBytes` (the batch grows by
 * whole status updates until it reaches the target).
 */
export function signedStatusWebhook(secret, targetBytes = 1536) {
  let statuses = 1;
  let body = serializeLikeMeta(statusBatch(statuses));
  while (Buffer.byteLength(body) < targetBytes) body = serializeLikeMeta(statusBatch(++statuses));
  return {
    body,
    bytes: Buffer.byteLength(body),
    statuses,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'facebookexternalua',
      'x-hub-signature-256': signBody(body, secret),
    },
  };
}
