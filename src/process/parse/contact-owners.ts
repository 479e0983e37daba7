/**
 * Which events of one value carry which of its `contacts[]`. A contact goes with the items that
 * name its person (a message's sender, an echo's or a status's recipient, a group participant, an
 * item update that mentions the person's number or BSUID); a contact that names no item goes with
 * every item, so nothing of the value is lost. A person's contact thus never travels in another
 * person's event: erasing one person (which deletes every event naming them) leaves the others'
 * events of a shared body alone, and a subscriber of one person's events is not handed the next
 * person's name and number.
 */
import { normalizePhone } from './normalize.js';
import type { ParsedItem } from './types.js';

type Carrier = Extract<ParsedItem, { contacts: unknown }>;
type Contact = NonNullable<Carrier['contacts']>[number];

/** Messages, statuses, value errors and echoes of one value, each left with its share. */
export function contactsPerItem(items: ParsedItem[]): ParsedItem[] {
  const carriers = items.filter(carriesContacts);
  // One event of the value: it is the only place the contacts can go.
  if (carriers.length <= 1) return items;
  const named = carriers.map(idsNamedBy);
  return items.map((item) => {
    if (!carriesContacts(item) || item.contacts === null) return item;
    const contacts = shareOf(item.contacts, named[carriers.indexOf(item)] as Set<string>, named);
    return contacts.length === item.contacts.length ? item : { ...item, contacts };
  });
}

/**
 * For the elements of an item update's array (user preferences, calls, user id changes…), whose
 * shapes differ by field: an element names a person when any of its strings is their number (in
 * any spelling) or BSUID. One list of contacts per element, in order.
 */
export function contactsPerElement<C extends Contact>(
  contacts: readonly C[],
  elements: readonly unknown[],
): C[][] {
  if (elements.length <= 1) return elements.map(() => [...contacts]);
  const named = elements.map((element) => mentionedIn(element, new Set(), 0));
  return named.map((own) => shareOf(contacts, own, named));
}

/** The contacts that name this item's person, and those that name no item of the value. */
function shareOf<C extends Contact>(
  contacts: readonly C[],
  own: Set<string>,
  all: readonly Set<string>[],
): C[] {
  return contacts.filter((contact) => {
    const ids = idsOfContact(contact);
    if (ids.some((id) => own.has(id))) return true;
    return !all.some((other) => ids.some((id) => other.has(id)));
  });
}

function carriesContacts(item: ParsedItem): item is Carrier {
  return 'contacts' in item && Array.isArray(item.contacts);
}

/** The person ids an item names; a value error names nobody. */
function idsNamedBy(item: Carrier): Set<string> {
  const ids: (string | null | undefined)[] = [];
  if (item.kind === 'message') ids.push(item.from.waId, item.from.userId);
  if (item.kind === 'echo') ids.push(item.to.waId, item.to.userId);
  if (item.kind === 'status') {
    const r = item.recipient;
    ids.push(r.waId, r.userId, r.participantId, r.participantUserId);
  }
  return new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''));
}

/** Every string of an element, as sent and as phone digits; bounded in depth like the parser. */
function mentionedIn(raw: unknown, into: Set<string>, depth: number): Set<string> {
  if (depth > 16) return into;
  if (typeof raw === 'string') {
    const phone = normalizePhone(raw);
    if (phone !== null) into.add(phone);
    into.add(raw);
  } else if (Array.isArray(raw)) {
    for (const value of raw) mentionedIn(value, into, depth + 1);
  } else if (raw !== null && typeof raw === 'object') {
    for (const value of Object.values(raw)) mentionedIn(value, into, depth + 1);
  }
  return into;
}

function idsOfContact(contact: Contact): string[] {
  const waId = contact.waId === null ? null : normalizePhone(contact.waId);
  return [waId, contact.userId].filter((id): id is string => id !== null && id !== '');
}
