import type { AttemptRecord, NewSubscription } from '../../src/store/delivery-ports.js';
import type { InboxAppend, NewEvent, RejectedRequest, StoredMessage } from '../../src/store/ports.js';

/** Test data builders: distinct, recognizable values per index so a mix-up shows. */
export const T0 = 1_767_261_600_000;

export function inboxAppend(index: number, overrides: Partial<InboxAppend> = {}): InboxAppend {
  return {
    receivedAt: T0 + index,
    source: 'meta',
    auth: 'hmac',
    contentType: 'application/json',
    headers: { 'user-agent': `facebookexternalua/${index}` },
    body: Buffer.from(JSON.stringify({ object: 'whatsapp_business_account', index })),
    ...overrides,
  };
}

export function newEvent(id: string, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    id,
    type: 'message.status',
    schemaVersion: 1,
    createdAt: T0,
    orderingKey: `wamid.${id}`,
    phoneNumberId: '106540352242922',
    data: { id, nested: { list: [1, 'two', null], unicode: 'héllo ✓' } },
    ...overrides,
  };
}

export function storedMessage(id: string, overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id,
    record: { id, status: 'sent', history: [{ status: 'sent', timestamp: 1_767_261_600 }] },
    status: 'sent',
    direction: 'outbound',
    phoneNumberId: '106540352242922',
    firstSeenAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function rejectedRequest(index: number): RejectedRequest {
  return {
    receivedAt: T0 + index,
    method: 'POST',
    path: '/webhooks/whatsapp',
    status: 401,
    reason: 'signature_mismatch',
    hints: [`hint ${index}`],
    headers: { 'x-hub-signature-256': '(redacted)' },
    bodyPrefix: Buffer.from([0xff, index & 0xff, 0x00]),
    bodyBytes: 1_000 + index,
    remoteAddress: index % 2 === 0 ? `203.0.113.${index % 250}` : null,
  };
}

/** Resolves when `resolve` is called: lets a test hold a transaction open at a chosen point. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export function subscriptionInput(id: string, overrides: Partial<NewSubscription> = {}): NewSubscription {
  return {
    id,
    url: `https://crm.example.com/hooks/${id}`,
    events: ['*'],
    phoneNumberIds: null,
    headers: {},
    description: null,
    enabled: true,
    batch: null,
    secret: `whsec_${Buffer.from(id.padEnd(24, '0')).toString('base64')}`,
    source: 'api',
    now: T0,
    ...overrides,
  };
}

export function failedAttempt(at: number, error = 'HTTP 500'): AttemptRecord {
  return {
    attemptedAt: at,
    outcome: 'http_error',
    status: 500,
    latencyMs: 12.4,
    responsePrefix: 'oops',
    error,
  };
}

export function successfulAttempt(at: number): AttemptRecord {
  return {
    attemptedAt: at,
    outcome: 'success',
    status: 200,
    latencyMs: 3,
    responsePrefix: null,
    error: null,
  };
}
