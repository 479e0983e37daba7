/**
 * Who a message came from or a status went to. The message or status names the user by phone
 * (`from`, `recipient_id`) and/or BSUID; name and username live in the sibling `contacts[]`, so we
 * join the two by wa_id or user_id. Any side may be missing from 2026 on (usernames hide numbers).
 */
import type { WireContact } from '../../whatsapp/payload-schema-common.js';
import type { WireMessage } from '../../whatsapp/payload-schema-messages.js';
import type { WireStatus } from '../../whatsapp/payload-schema-statuses.js';
import type { Counterpart, StatusUpdate } from '../../whatsapp/types.js';
import { normalizePhone, orNull } from './normalize.js';

export interface ContactJoin {
  contacts: readonly WireContact[];
  /** True when the item is the only message (or status) in its value. */
  soleItem: boolean;
}

export function senderOf(message: WireMessage, join: ContactJoin): Counterpart {
  return userOf(
    { id: message.from, userId: message.from_user_id, parentUserId: message.from_parent_user_id },
    join,
  );
}

/** The ids a message or echo names its user by: `from…` for a message, `to…` for an echo. */
export interface UserIds {
  id: string | undefined;
  userId: string | undefined;
  parentUserId: string | undefined;
}

/**
 * The user a message came from or an echo went to. A number is carried as its digits; an id that
 * is not a number is carried as sent, so what the sender wrote is never replaced by a contact's.
 */
export function userOf(ids: UserIds, join: ContactJoin): Counterpart {
  const waId = normalizePhone(ids.id);
  const userId = orNull(ids.userId);
  const contact = findContact(join, waId, userId);
  return {
    waId: waId ?? normalizePhone(contact?.wa_id),
    userId: userId ?? orNull(contact?.user_id),
    parentUserId: orNull(ids.parentUserId ?? contact?.parent_user_id),
    name: orNull(contact?.profile?.name),
    username: orNull(contact?.profile?.username),
  };
}

export function recipientOf(status: WireStatus, join: ContactJoin): StatusUpdate['recipient'] {
  const isGroup = status.recipient_type === 'group';
  // A group send names the group in recipient_id: it is not the user's number.
  const waId = isGroup ? null : phoneDigits(status.recipient_id);
  const userId = orNull(status.recipient_user_id);
  const contact = isGroup
    ? findContact({ ...join, soleItem: false }, null, userId)
    : findContact(join, waId, userId);
  const participantId = normalizePhone(status.recipient_participant_id ?? status.participant_recipient_id);
  const participantUserId = orNull(status.recipient_participant_user_id);
  // In a group, `contacts[]` names the participants, so the participant is whom it is joined with.
  const participant = isGroup
    ? findContact({ ...join, soleItem: false }, participantId, participantUserId)
    : undefined;
  return {
    waId: waId ?? phoneDigits(contact?.wa_id),
    userId: userId ?? orNull(contact?.user_id),
    parentUserId: orNull(
      status.recipient_parent_user_id ?? status.parent_recipient_user_id ?? contact?.parent_user_id,
    ),
    name: orNull(contact?.profile?.name),
    username: orNull(contact?.profile?.username),
    recipientId: orNull(status.recipient_id),
    recipientType: orNull(status.recipient_type),
    participantId: participantId ?? phoneDigits(participant?.wa_id),
    participantUserId: participantUserId ?? orNull(participant?.user_id),
    participantParentUserId: orNull(
      status.recipient_participant_parent_user_id ?? participant?.parent_user_id,
    ),
    participantName: orNull(participant?.profile?.name),
    participantUsername: orNull(participant?.profile?.username),
  };
}

function findContact(join: ContactJoin, waId: string | null, userId: string | null): WireContact | undefined {
  const matched = join.contacts.find(
    (contact) =>
      (waId !== null && normalizePhone(contact.wa_id) === waId) ||
      (userId !== null && contact.user_id === userId),
  );
  if (matched) return matched;
  // Meta warns a wa_id may differ from the number it stands for; one item with one contact still
  // belongs together, unless both name a BSUID and the two disagree.
  const [only] = join.contacts;
  if (!join.soleItem || join.contacts.length !== 1 || only === undefined) return undefined;
  if (userId !== null && only.user_id !== undefined && only.user_id !== userId) return undefined;
  return only;
}

/** A phone-number id: digits only, so a BSUID or group id never passes for one. */
function phoneDigits(raw: string | undefined): string | null {
  const normalized = normalizePhone(raw);
  return normalized !== null && /^\d+$/.test(normalized) ? normalized : null;
}
