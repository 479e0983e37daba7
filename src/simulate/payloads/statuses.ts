import type { Random } from '../random.js';
import type { WebhookItem } from './envelope.js';
import type { JsonObject } from './json.js';
import { compact } from './json.js';
import { type BusinessNumber, contactOf, type SimUser } from './people.js';

/**
 * One `value.statuses[]` item per call, following §5.1 and the 2026 BSUID rules of §3.2:
 * sent/delivered/read carry a `contacts[]` entry (username only on delivered/read); failed carries
 * none and names the BSUID only when the message was sent to one; group sends name the group and,
 * per participant, `recipient_participant_id`.
 */
export type Recipient =
  | { readonly kind: 'user'; readonly user: SimUser }
  | { readonly kind: 'group'; readonly groupId: string; readonly participants: readonly SimUser[] };

/** How a message is priced under per-message pricing (1 Jul 2025 on). */
export interface Billing {
  readonly category: string;
  readonly type: 'regular' | 'free_customer_service' | 'free_entry_point';
  /** Since Graph v24 `conversation` is sent only inside a free entry point window. */
  readonly conversationId: string | null;
}

export interface StatusSpec {
  readonly wamid: string;
  readonly number: BusinessNumber;
  readonly recipient: Recipient;
  readonly status: string;
  readonly timestamp: number;
  /** For per-participant statuses of a group send. */
  readonly participant?: SimUser;
  readonly bizOpaqueCallbackData?: string;
  /** Set on `sent` and on the first of delivered/read; absent on the rest. */
  readonly billing?: Billing;
  readonly errors?: JsonObject[];
}

export function createBilling(random: Random): Billing {
  const type = random.weighted([
    ['regular', 6],
    ['free_customer_service', 3],
    ['free_entry_point', 1],
  ] as const);
  if (type === 'free_entry_point') {
    return { type, category: 'referral_conversion', conversationId: random.hex(32).toLowerCase() };
  }
  const category =
    type === 'regular'
      ? random.pick(['marketing', 'utility', 'authentication'] as const)
      : random.pick(['service', 'utility'] as const);
  return { type, category, conversationId: null };
}

function pricingOf(billing: Billing): JsonObject {
  return {
    billable: billing.type === 'regular',
    pricing_model: 'PMP',
    type: billing.type,
    category: billing.category,
  };
}

function conversationOf(billing: Billing, status: string, timestamp: number): JsonObject | undefined {
  if (billing.conversationId === null) return undefined;
  return compact({
    id: billing.conversationId,
    // The window's expiry is only announced with `sent`.
    expiration_timestamp: status === 'sent' ? String(timestamp + 72 * 3600) : undefined,
    origin: { type: billing.category },
  });
}

function recipientFields(spec: StatusSpec): JsonObject {
  const { recipient, status } = spec;
  if (recipient.kind === 'group') {
    return compact({
      recipient_id: recipient.groupId,
      recipient_type: 'group',
      recipient_participant_id: spec.participant?.waId ?? undefined,
    });
  }
  const sentToBsuid = recipient.user.waId === null;
  return compact({
    recipient_id: recipient.user.waId ?? undefined,
    recipient_user_id: status !== 'failed' || sentToBsuid ? recipient.user.userId : undefined,
  });
}

function statusContact(spec: StatusSpec): JsonObject | null {
  if (spec.status === 'failed' || spec.recipient.kind === 'group') return null;
  return contactOf(spec.recipient.user, { withUsername: spec.status !== 'sent' });
}

export function buildStatusItem(spec: StatusSpec): WebhookItem {
  const object: JsonObject = compact({
    id: spec.wamid,
    status: spec.status,
    timestamp: String(spec.timestamp),
    ...recipientFields(spec),
    biz_opaque_callback_data: spec.bizOpaqueCallbackData,
    conversation: spec.billing ? conversationOf(spec.billing, spec.status, spec.timestamp) : undefined,
    pricing: spec.billing ? pricingOf(spec.billing) : undefined,
    errors: spec.errors,
  });
  return {
    number: spec.number,
    array: 'statuses',
    contact: statusContact(spec),
    object,
    wamid: spec.wamid,
    status: spec.status,
    timestamp: spec.timestamp,
  };
}
