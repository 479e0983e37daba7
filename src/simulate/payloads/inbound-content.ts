import type { Random } from '../random.js';
import { errorObject } from './errors.js';
import { graphId, lookasideUrl, mediaSha256 } from './ids.js';
import type { JsonObject } from './json.js';
import { compact } from './json.js';

/**
 * The type-specific part of each inbound message kind of the webhook reference §4. A builder
 * returns the `type` and the keys that follow it in the message object; inbound.ts adds the
 * common keys (`from`, `id`, `timestamp`, `context`, `referral`).
 */
export interface ContentInput {
  readonly random: Random;
  readonly timestamp: number;
  /** A wamid of a message the business sent: what a reaction or a button reply points at. */
  readonly businessWamid: string;
  /** A wamid of an earlier message of this user: what a revoke points at. */
  readonly ownEarlierWamid: string;
}

export interface InboundContent {
  readonly type: string;
  readonly fields: JsonObject;
  /** Button and interactive replies always answer a business message, so they carry `context`. */
  readonly answersBusinessMessage?: boolean;
}

/** Texts with accents, emoji (surrogate pairs, skin tones), slashes, RTL script and a line break. */
const TEXTS = [
  'Grüße 👋',
  'Is 10/12 still OK for the delivery?',
  'Can you call me back? 📞',
  '¿Tienen envío a domicilio?',
  'Order #8812 – where is it?',
  'Photo is at https://example.com/a/b.jpg',
  'نعم، شكرا لك',
  'ok 👍🏽',
  'Line one\nLine two',
  'Danke schön, bis später!',
] as const;

/** Coordinates are JSON numbers, not strings. */
const PLACES = [
  {
    latitude: 52.520008,
    longitude: 13.404954,
    name: 'Alexanderplatz',
    address: '10178 Berlin, Germany',
    url: 'https://maps.example.com/?q=52.520008,13.404954',
  },
  {
    latitude: 48.8583701,
    longitude: 2.2944813,
    name: 'Tour Eiffel',
    address: 'Av. Gustave Eiffel, 75007 Paris',
  },
  { latitude: -23.5613991, longitude: -46.6565712 },
] as const;

const UNSUPPORTED_TYPES = ['poll_creation', 'edit', 'gif', 'group_invite', 'pin', 'keep_in_chat'] as const;

function media(input: ContentInput, mimeType: string, extra: JsonObject): JsonObject {
  const id = graphId(input.random, 15);
  return {
    ...extra,
    mime_type: mimeType,
    sha256: mediaSha256(input.random),
    id,
    url: lookasideUrl(input.random, id, input.timestamp),
  };
}

const CONTENT_BUILDERS = {
  text: (input) => ({ type: 'text', fields: { text: { body: input.random.pick(TEXTS) } } }),
  image: (input) => ({
    type: 'image',
    fields: { image: media(input, 'image/jpeg', { caption: 'Receipt 🧾' }) },
  }),
  video: (input) => ({
    type: 'video',
    fields: { video: media(input, 'video/mp4', { caption: 'Leak under the sink' }) },
  }),
  audio: (input) => ({
    type: 'audio',
    fields: { audio: { ...media(input, 'audio/mpeg', {}), voice: false } },
  }),
  voice: (input) => ({
    type: 'audio',
    fields: { audio: { ...media(input, 'audio/ogg; codecs=opus', {}), voice: true } },
  }),
  document: (input) => ({
    type: 'document',
    fields: {
      document: media(input, 'application/pdf', {
        caption: 'Signed contract',
        filename: `contract-2026-${input.random.digits(3)}.pdf`,
      }),
    },
  }),
  sticker: (input) => ({
    type: 'sticker',
    fields: { sticker: { ...media(input, 'image/webp', {}), animated: input.random.chance(0.5) } },
  }),
  location: (input) => ({ type: 'location', fields: { location: { ...input.random.pick(PLACES) } } }),
  contacts: (input) => ({
    type: 'contacts',
    fields: {
      contacts: [
        {
          name: { formatted_name: 'Jonas Weber', first_name: 'Jonas', last_name: 'Weber' },
          phones: [{ phone: '+49 151 98765432', wa_id: `4915${input.random.digits(9)}`, type: 'CELL' }],
          emails: [{ email: 'jonas@example.com', type: 'WORK' }],
          org: { company: 'Weber GmbH' },
        },
      ],
    },
  }),
  button: () => ({
    type: 'button',
    answersBusinessMessage: true,
    fields: { button: { payload: 'CONFIRM_APPOINTMENT_8812', text: 'Confirm ✅' } },
  }),
  interactive_button: () => ({
    type: 'interactive',
    answersBusinessMessage: true,
    fields: {
      interactive: { type: 'button_reply', button_reply: { id: 'reschedule', title: 'Reschedule' } },
    },
  }),
  interactive_list: () => ({
    type: 'interactive',
    answersBusinessMessage: true,
    fields: {
      interactive: {
        type: 'list_reply',
        list_reply: {
          id: 'slot_2026_01_08_1000',
          title: 'Thu 8 Jan, 10:00',
          description: 'Berlin Mitte branch',
        },
      },
    },
  }),
  nfm_reply: (input) => ({
    type: 'interactive',
    answersBusinessMessage: true,
    fields: {
      interactive: {
        type: 'nfm_reply',
        nfm_reply: {
          name: 'flow',
          body: 'Sent',
          response_json: JSON.stringify({
            flow_token: `ft_${input.random.hex(4).toLowerCase()}`,
            rating: '5',
            comment: 'Schneller Service 👍',
          }),
        },
      },
    },
  }),
  reaction: (input) => ({
    type: 'reaction',
    fields: {
      reaction: { message_id: input.businessWamid, emoji: input.random.pick(['👍', '❤️', '😮', '🙏']) },
    },
  }),
  // Meta documents removal as an absent emoji; library fixtures show an empty string. Send both.
  reaction_removed: (input) => ({
    type: 'reaction',
    fields: {
      reaction: compact({
        message_id: input.businessWamid,
        emoji: input.random.chance(0.5) ? '' : undefined,
      }),
    },
  }),
  order: (input) => ({
    type: 'order',
    fields: {
      order: {
        catalog_id: graphId(input.random, 15),
        text: 'Please deliver after 6pm',
        product_items: [
          {
            product_retailer_id: 'SKU-COFFEE-250',
            quantity: input.random.int(1, 3),
            item_price: 8.9,
            currency: 'EUR',
          },
          { product_retailer_id: 'SKU-MUG-01', quantity: 1, item_price: 12.5, currency: 'EUR' },
        ],
      },
    },
  }),
  unsupported: (input) => ({
    type: 'unsupported',
    fields: {
      errors: [errorObject(131051, { withHref: false })],
      unsupported: { type: input.random.pick(UNSUPPORTED_TYPES) },
    },
  }),
  revoke: (input) => ({ type: 'revoke', fields: { revoke: { original_message_id: input.ownEarlierWamid } } }),
} as const satisfies Record<string, (input: ContentInput) => InboundContent>;

export type ContentKind = keyof typeof CONTENT_BUILDERS;

export const CONTENT_KINDS = Object.keys(CONTENT_BUILDERS) as ContentKind[];

export function buildContent(kind: ContentKind, input: ContentInput): InboundContent {
  return CONTENT_BUILDERS[kind](input);
}
