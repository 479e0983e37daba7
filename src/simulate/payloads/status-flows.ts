import type { Random } from '../random.js';
import type { WebhookItem } from './envelope.js';
import { errorObject, FAILED_STATUS_CODES, type SimulatedErrorCode } from './errors.js';
import type { WamidFactory } from './ids.js';
import { addressOf, type BusinessNumber, createUser, type SimUser } from './people.js';
import { type Billing, buildStatusItem, createBilling, type Recipient } from './statuses.js';

/**
 * The life of one outbound message as status webhooks tell it (§5.2, §5.3). Each flow is what
 * Meta really sends for one situation:
 * - `read`: sent → delivered → read.
 * - `read_without_delivered`: sent → read; the user had the chat open, so no delivered is sent.
 * - `delivered`: sent → delivered; read receipts off or not read yet.
 * - `sent_only`: the phone is offline.
 * - `failed`: a failed status alone (re-engagement window closed, ecosystem limit, …).
 * - `sent_then_failed`: the message left Meta and could not be delivered.
 * - `voice_played`: a voice note sent → delivered → read → played.
 * - `group`: a group send: sent to the group, then delivered/read per participant.
 * Pricing (and, in free entry point windows, conversation) rides on `sent` and on the first of
 * delivered/read only.
 */
export const STATUS_FLOWS = [
  'read',
  'read_without_delivered',
  'delivered',
  'sent_only',
  'failed',
  'sent_then_failed',
  'voice_played',
  'group',
] as const;

export type StatusFlow = (typeof STATUS_FLOWS)[number];

export interface FlowSpec {
  readonly flow: StatusFlow;
  readonly number: BusinessNumber;
  /** Ignored by the group flow, which makes its own participants. */
  readonly user: SimUser;
  readonly sentAt: number;
  readonly failureCode?: SimulatedErrorCode;
}

export interface FlowResult {
  readonly wamid: string;
  readonly items: WebhookItem[];
}

const FLOW_STEPS: Record<Exclude<StatusFlow, 'group'>, readonly string[]> = {
  read: ['sent', 'delivered', 'read'],
  read_without_delivered: ['sent', 'read'],
  delivered: ['sent', 'delivered'],
  sent_only: ['sent'],
  failed: ['failed'],
  sent_then_failed: ['sent', 'failed'],
  voice_played: ['sent', 'delivered', 'read', 'played'],
};

/** Seconds from the previous step; reading can wait minutes, the other steps follow quickly. */
function gapBefore(random: Random, status: string): number {
  if (status === 'read') return random.int(2, 600);
  if (status === 'played') return random.int(1, 30);
  return random.int(1, 4);
}

function bizOpaqueCallbackData(random: Random): string | undefined {
  return random.chance(0.3) ? `order:${random.digits(4)};tenant:acme` : undefined;
}

function userFlow(random: Random, ids: WamidFactory, spec: FlowSpec, steps: readonly string[]): FlowResult {
  const recipient: Recipient = { kind: 'user', user: spec.user };
  const wamid = ids.outbound(addressOf(spec.user));
  const billing = createBilling(random);
  const tracking = bizOpaqueCallbackData(random);
  let timestamp = spec.sentAt;
  let billedAfterSent = false;
  const items = steps.map((status, index) => {
    if (index > 0) timestamp += gapBefore(random, status);
    const billed = status === 'sent' || ((status === 'delivered' || status === 'read') && !billedAfterSent);
    if (status !== 'sent' && billed) billedAfterSent = true;
    return buildStatusItem({
      wamid,
      number: spec.number,
      recipient,
      status,
      timestamp,
      bizOpaqueCallbackData: tracking,
      billing: billed ? billing : undefined,
      errors:
        status === 'failed' ? [errorObject(spec.failureCode ?? random.pick(FAILED_STATUS_CODES))] : undefined,
    });
  });
  return { wamid, items };
}

function groupFlow(random: Random, ids: WamidFactory, spec: FlowSpec): FlowResult {
  const participants = Array.from({ length: random.int(2, 4) }, () =>
    createUser(random, { phoneAvailable: true }),
  );
  const recipient: Recipient = { kind: 'group', groupId: `120363${random.digits(12)}`, participants };
  const wamid = ids.outbound(recipient.groupId);
  const billing: Billing = createBilling(random);
  const base = { wamid, number: spec.number, recipient };
  const items: WebhookItem[] = [
    buildStatusItem({ ...base, status: 'sent', timestamp: spec.sentAt, billing }),
  ];
  for (const [index, participant] of participants.entries()) {
    const deliveredAt = spec.sentAt + random.int(1, 5);
    const firstDelivery = index === 0 ? billing : undefined;
    items.push(
      buildStatusItem({
        ...base,
        status: 'delivered',
        timestamp: deliveredAt,
        participant,
        billing: firstDelivery,
      }),
    );
    if (random.chance(0.6)) {
      const readAt = deliveredAt + random.int(2, 600);
      items.push(buildStatusItem({ ...base, status: 'read', timestamp: readAt, participant }));
    }
  }
  return { wamid, items };
}

export function createStatusFlow(random: Random, ids: WamidFactory, spec: FlowSpec): FlowResult {
  if (spec.flow === 'group') return groupFlow(random, ids, spec);
  return userFlow(random, ids, spec, FLOW_STEPS[spec.flow]);
}
