/**
 * What an inbound message says, one variant per message type. Every field the sender may omit is
 * `null`. A type we do not know becomes `unknown` with the raw message, so it is flagged, never lost.
 */

export interface MediaRef {
  /** Media id for `GET /{media-id}`. */
  id: string | null;
  mimeType: string | null;
  sha256: string | null;
  /** Direct download URL (sent since Nov 2025 on a gradual rollout); still needs the access token. */
  url: string | null;
}

export interface ContactCard {
  formattedName: string | null;
  firstName: string | null;
  lastName: string | null;
  middleName: string | null;
  prefix: string | null;
  suffix: string | null;
  phones: { phone: string | null; waId: string | null; type: string | null }[];
  emails: { email: string | null; type: string | null }[];
  urls: { url: string | null; type: string | null }[];
  addresses: {
    street: string | null;
    city: string | null;
    state: string | null;
    zip: string | null;
    country: string | null;
    countryCode: string | null;
    type: string | null;
  }[];
  org: { company: string | null; department: string | null; title: string | null } | null;
  birthday: string | null;
  vcard: string | null;
  /** `contact_request` when shared through the request-contact-info button. */
  origin: string | null;
}

export type InteractiveReply =
  | { type: 'button_reply'; id: string | null; title: string | null }
  | { type: 'list_reply'; id: string | null; title: string | null; description: string | null }
  | {
      type: 'nfm_reply';
      name: string | null;
      body: string | null;
      /** The Flow response exactly as sent (a JSON string). */
      responseJson: string | null;
      /** `responseJson` parsed, when it is a JSON object. */
      response: Record<string, unknown> | null;
    }
  /** The user's answer to a call permission request: `accept` or `reject`. */
  | {
      type: 'call_permission_reply';
      response: string | null;
      isPermanent: boolean | null;
      /** Unix seconds until which the permission holds, when it is not permanent. */
      expirationTimestamp: number | null;
      /** `user_action`, or `automatic` when WhatsApp answered for the user. */
      responseSource: string | null;
    }
  | { type: 'unknown'; interactiveType: string | null; raw: unknown };

export interface OrderItem {
  productRetailerId: string | null;
  quantity: number | null;
  itemPrice: number | null;
  currency: string | null;
}

export type MessageContent =
  | { kind: 'text'; body: string | null }
  | { kind: 'image'; media: MediaRef; caption: string | null }
  | { kind: 'video'; media: MediaRef; caption: string | null }
  | { kind: 'audio'; media: MediaRef /** A recorded voice note rather than an audio file. */; voice: boolean }
  | { kind: 'document'; media: MediaRef; caption: string | null; filename: string | null }
  | { kind: 'sticker'; media: MediaRef; animated: boolean }
  | {
      kind: 'location';
      latitude: number | null;
      longitude: number | null;
      name: string | null;
      address: string | null;
      url: string | null;
    }
  | { kind: 'contacts'; cards: ContactCard[] }
  | { kind: 'interactive'; reply: InteractiveReply }
  /** Quick-reply button of a template; `context` points at the template message. */
  | { kind: 'button'; payload: string | null; text: string | null }
  /** `emoji: null` means the user removed their reaction. */
  | { kind: 'reaction'; messageId: string | null; emoji: string | null }
  | { kind: 'order'; catalogId: string | null; text: string | null; items: OrderItem[] }
  | {
      kind: 'system';
      systemType: string | null;
      body: string | null;
      /** The user's new WhatsApp id after a number change. */
      waId: string | null;
      userId: string | null;
      parentUserId: string | null;
      customer: string | null;
      /** The identity hash of a security-code change, when Meta sent one. */
      identity: string | null;
    }
  /** Meta could not represent the message (types `unsupported` and the older `unknown`). */
  | { kind: 'unsupported'; unsupportedType: string | null }
  | { kind: 'revoke'; originalMessageId: string | null }
  | {
      kind: 'edit';
      originalMessageId: string | null;
      /** The new content, when the edit carries a message we can read. */
      edited: MessageContent | null;
    }
  /** A type this version does not know; `raw` is the whole message object. */
  | { kind: 'unknown'; type: string | null; raw: unknown };

export interface MessageContext {
  /** The wamid replied to. */
  messageId: string | null;
  /** The business number the replied-to message came from. */
  from: string | null;
  forwarded: boolean;
  /** Forwarded more than five times. */
  frequentlyForwarded: boolean;
  referredProduct: { catalogId: string | null; productRetailerId: string | null } | null;
}

/** Click-to-WhatsApp ad or post the conversation started from. */
export interface Referral {
  sourceUrl: string | null;
  sourceId: string | null;
  sourceType: string | null;
  body: string | null;
  headline: string | null;
  mediaType: string | null;
  imageUrl: string | null;
  videoUrl: string | null;
  thumbnailUrl: string | null;
  ctwaClid: string | null;
  welcomeMessageText: string | null;
}
