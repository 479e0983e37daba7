/**
 * Builds the typed content of a message from the payload its `type` names. A missing or malformed
 * payload still yields the variant (fields null) plus a flag, and a type we do not know yields
 * `unknown` with the raw message: content is flagged, never dropped.
 */

import type { MediaRef, MessageContent } from '../../events/content-types.js';
import { type WireMessage, wireMessageSchema } from '../../whatsapp/payload-schema-messages.js';
import { contactCardOf, interactiveReplyOf, orderItemsOf } from './content-parts.js';
import { isRecord, orNull, textOrNull } from './normalize.js';

type Builder = (message: WireMessage, flags: string[]) => MessageContent;

interface WireMedia {
  id?: string | undefined;
  mime_type?: string | undefined;
  sha256?: string | undefined;
  url?: string | undefined;
}

function mediaRef(media: WireMedia | undefined): MediaRef {
  return {
    id: orNull(media?.id),
    mimeType: orNull(media?.mime_type),
    sha256: orNull(media?.sha256),
    url: orNull(media?.url),
  };
}

const BUILDERS: Readonly<Record<string, Builder>> = {
  text: (m) => ({ kind: 'text', body: orNull(m.text?.body) }),
  image: (m) => ({ kind: 'image', media: mediaRef(m.image), caption: orNull(m.image?.caption) }),
  video: (m) => ({ kind: 'video', media: mediaRef(m.video), caption: orNull(m.video?.caption) }),
  audio: (m) => ({ kind: 'audio', media: mediaRef(m.audio), voice: m.audio?.voice === true }),
  voice: (m) => ({ kind: 'audio', media: mediaRef(m.voice), voice: true }),
  document: (m) => ({
    kind: 'document',
    media: mediaRef(m.document),
    caption: orNull(m.document?.caption),
    filename: orNull(m.document?.filename),
  }),
  sticker: (m) => ({ kind: 'sticker', media: mediaRef(m.sticker), animated: m.sticker?.animated === true }),
  location: (m) => ({
    kind: 'location',
    latitude: orNull(m.location?.latitude),
    longitude: orNull(m.location?.longitude),
    name: orNull(m.location?.name),
    address: orNull(m.location?.address),
    url: orNull(m.location?.url),
  }),
  contacts: (m) => ({ kind: 'contacts', cards: (m.contacts ?? []).map(contactCardOf) }),
  interactive: (m, flags) => ({ kind: 'interactive', reply: interactiveReplyOf(m.interactive, flags) }),
  button: (m) => ({ kind: 'button', payload: orNull(m.button?.payload), text: orNull(m.button?.text) }),
  // Removal arrives with the emoji omitted (per the docs) or empty (seen in fixtures).
  reaction: (m) => ({
    kind: 'reaction',
    messageId: orNull(m.reaction?.message_id),
    emoji: textOrNull(m.reaction?.emoji),
  }),
  order: (m) => ({
    kind: 'order',
    catalogId: orNull(m.order?.catalog_id),
    text: orNull(m.order?.text),
    items: orderItemsOf(m.order?.product_items),
  }),
  system: (m) => ({
    kind: 'system',
    systemType: orNull(m.system?.type),
    body: orNull(m.system?.body),
    waId: orNull(m.system?.wa_id ?? m.system?.new_wa_id),
    userId: orNull(m.system?.user_id),
    parentUserId: orNull(m.system?.parent_user_id),
    customer: orNull(m.system?.customer),
    identity: orNull(m.system?.identity),
  }),
  unsupported: (m) => ({ kind: 'unsupported', unsupportedType: orNull(m.unsupported?.type) }),
  unknown: (m) => ({ kind: 'unsupported', unsupportedType: orNull(m.unknown?.type) }),
  revoke: (m) => ({ kind: 'revoke', originalMessageId: orNull(m.revoke?.original_message_id) }),
  edit: (m, flags) => ({
    kind: 'edit',
    originalMessageId: orNull(m.edit?.original_message_id),
    edited: editedContentOf(m.edit?.message, flags),
  }),
};

/** Types whose payload object is optional: Meta sends only `errors` with them. */
const PAYLOAD_OPTIONAL: ReadonlySet<string> = new Set(['unsupported', 'unknown']);

/**
 * The type a message is read as: its `type`, or when it has none, the one content key it carries
 * (flagged `inferred_type:`). Two or more content keys leave it untyped: guessing would be a coin toss.
 */
export function effectiveType(message: WireMessage, raw: Record<string, unknown>, flags: string[]) {
  if (message.type !== undefined) return message.type;
  const present = Object.keys(BUILDERS).filter(
    (key) => raw[key] !== undefined && (isRecord(raw[key]) || Array.isArray(raw[key])),
  );
  const [only] = present;
  if (present.length !== 1 || only === undefined) return undefined;
  flags.push(`inferred_type:${only}`);
  return only;
}

export function contentOf(
  message: WireMessage,
  raw: Record<string, unknown>,
  flags: string[],
): MessageContent {
  const type = message.type;
  const build = type !== undefined && Object.hasOwn(BUILDERS, type) ? BUILDERS[type] : undefined;
  if (type === undefined || build === undefined) {
    flags.push(type === undefined ? 'missing_type' : `unknown_message_type:${type}`);
    return { kind: 'unknown', type: orNull(type), raw };
  }
  if (!PAYLOAD_OPTIONAL.has(type)) flagPayloadProblem(type, message, raw, flags);
  return build(message, flags);
}

function flagPayloadProblem(
  type: string,
  message: WireMessage,
  raw: Record<string, unknown>,
  flags: string[],
) {
  if (raw[type] === undefined) flags.push(`missing_payload:${type}`);
  else if ((message as Record<string, unknown>)[type] === undefined) flags.push(`malformed_payload:${type}`);
}

/** An edit carries the new message; one level only, so a crafted chain of edits cannot recurse. */
function editedContentOf(inner: Record<string, unknown> | undefined, flags: string[]): MessageContent | null {
  if (!isRecord(inner)) return null;
  const message = wireMessageSchema.parse(inner);
  if (message.type === 'edit') {
    flags.push('nested_edit');
    return { kind: 'unknown', type: 'edit', raw: inner };
  }
  return contentOf(message, inner, flags);
}
