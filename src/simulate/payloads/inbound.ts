import type { Random } from '../random.js';
import type { WebhookItem } from './envelope.js';
import { graphId, type WamidFactory } from './ids.js';
import { buildContent, CONTENT_KINDS, type ContentKind } from './inbound-content.js';
import { compact, type JsonObject } from './json.js';
import { addressOf, type BusinessNumber, contactOf, type SimUser } from './people.js';

/**
 * Inbound messages (`value.messages[]`) with the common keys and the optional context of §4.1:
 * replies, forwards, product enquiries and click-to-WhatsApp ad referrals.
 */
export type InboundKind = ContentKind | 'system';

export const INBOUND_KINDS: readonly InboundKind[] = [...CONTENT_KINDS, 'system'];

export type Decoration =
  | 'none'
  | 'reply'
  | 'forwarded'
  | 'frequently_forwarded'
  | 'referral'
  | 'product_enquiry';

export const DECORATIONS: readonly Decoration[] = [
  'none',
  'reply',
  'forwarded',
  'frequently_forwarded',
  'referral',
  'product_enquiry',
];

export interface InboundSpec {
  readonly kind: InboundKind;
  readonly decoration: Decoration;
  readonly user: SimUser;
  readonly number: BusinessNumber;
  readonly timestamp: number;
  /** A message the business sent, for replies, reactions and button answers. */
  readonly businessWamid: string;
}

const FORWARDABLE: readonly InboundKind[] = [
  'text',
  'image',
  'video',
  'audio',
  'voice',
  'document',
  'sticker',
];
const NOT_REPLYABLE: readonly InboundKind[] = ['reaction', 'reaction_removed', 'revoke', 'system'];

/** Whether Meta would send this kind with this decoration (ads and product enquiries open with text). */
export function decorationFits(kind: InboundKind, decoration: Decoration): boolean {
  switch (decoration) {
    case 'none':
      return true;
    case 'reply':
      return !NOT_REPLYABLE.includes(kind);
    case 'forwarded':
    case 'frequently_forwarded':
      return FORWARDABLE.includes(kind);
    case 'referral':
    case 'product_enquiry':
      return kind === 'text';
  }
}

function referralOf(random: Random): JsonObject {
  return {
    source_url: 'https://fb.me/4xWinterOffer',
    source_id: graphId(random, 18),
    source_type: 'ad',
    body: 'Winter service check, 20% off',
    headline: 'Chat with us',
    media_type: 'image',
    image_url: 'https://scontent.xx.fbcdn.net/v/t45.1-example.jpg',
    ctwa_clid: `ARAk${Buffer.from(random.bytes(24)).toString('base64url')}`,
    welcome_message: { text: 'Hi! How can we help?' },
  };
}

function contextOf(
  random: Random,
  spec: InboundSpec,
  answersBusinessMessage: boolean,
): JsonObject | undefined {
  const replyTo = { from: spec.number.displayPhoneNumber, id: spec.businessWamid };
  if (answersBusinessMessage || spec.decoration === 'reply') return replyTo;
  if (spec.decoration === 'forwarded') return { forwarded: true };
  if (spec.decoration === 'frequently_forwarded') return { frequently_forwarded: true };
  if (spec.decoration === 'product_enquiry') {
    return {
      ...replyTo,
      referred_product: { catalog_id: graphId(random, 15), product_retailer_id: 'SKU-COFFEE-250' },
    };
  }
  return undefined;
}

function systemMessageItem(
  random: Random,
  ids: WamidFactory,
  spec: InboundSpec,
  oldNumber: string,
): WebhookItem {
  const newNumber = `${oldNumber.slice(0, 4)}${random.digits(oldNumber.length - 4)}`;
  const wamid = ids.inbound(oldNumber);
  const object: JsonObject = {
    from: oldNumber,
    id: wamid,
    timestamp: String(spec.timestamp),
    type: 'system',
    system: {
      body: `User ${spec.user.name} changed from ${oldNumber} to ${newNumber}`,
      wa_id: newNumber,
      type: 'user_changed_number',
      user_id: spec.user.userId,
    },
  };
  // System messages carry no contacts array.
  return {
    number: spec.number,
    array: 'messages',
    contact: null,
    object,
    wamid,
    status: null,
    timestamp: spec.timestamp,
  };
}

export function buildInboundItem(random: Random, ids: WamidFactory, spec: InboundSpec): WebhookItem {
  // A number change needs a number; a user known only by BSUID sends a text instead.
  const kind = spec.kind === 'system' && spec.user.waId === null ? 'text' : spec.kind;
  if (kind === 'system' && spec.user.waId !== null)
    return systemMessageItem(random, ids, spec, spec.user.waId);
  const content = buildContent(kind as ContentKind, {
    random,
    timestamp: spec.timestamp,
    businessWamid: spec.businessWamid,
    ownEarlierWamid: ids.inbound(addressOf(spec.user)),
  });
  const wamid = ids.inbound(addressOf(spec.user));
  const decoration = decorationFits(kind, spec.decoration) ? spec.decoration : 'none';
  const object: JsonObject = {
    ...compact({
      from: spec.user.waId ?? undefined,
      from_user_id: spec.user.userId,
      id: wamid,
      timestamp: String(spec.timestamp),
      type: content.type,
      context: contextOf(random, { ...spec, decoration }, content.answersBusinessMessage === true),
    }),
    ...content.fields,
  };
  if (decoration === 'referral') object.referral = referralOf(random);
  return {
    number: spec.number,
    array: 'messages',
    contact: contactOf(spec.user),
    object,
    wamid,
    status: null,
    timestamp: spec.timestamp,
  };
}
