/**
 * Which events of one value carry which of its `contacts[]`. A contact goes with the items that
 * name its person (a message's sender, an echo's or a status's recipient, a group participant);
 * a contact that names no item goes with every item, so nothing of the value is lost. A person's
 * contact thus never travels in another person's event: erasing one person (which deletes every
 * event naming them) leaves the others' events of a shared body alone, and a subscriber of one
 * person's messages is not handed the next person's name and number.
 */
import { normalizePhone } from './normalize.js';
import type { ParsedItem } from './types.js';

type Carrier = Extract<ParsedItem, { contacts: unknown }>;
type Contact = NonNullable<Carrier['contacts']>[number];

export function contactsPerItem(items: ParsedItem[]): ParsedItem[] {
  const carriers = items.filter(carriesContacts);
  // One event of the value: it is the only place the contacts can go.
  if (carriers.length <= 1) return items;
  const named = carriers.map(idsNamedBy);
  return items.map((item) => {
    if (!carriesContacts(item) || item.contacts === null) return item;
    const own = named[carriers.indexOf(item)] as Set<string>;
    const contacts = item.contacts.filter((contact) => {
      const ids = idsOfContact(contact);
      if (ids.some((id) => own.has(id))) return true;
      return !named.some((other) => ids.some((id) => other.has(id)));
    });
    return contacts.length === item.contacts.length ? item : { ...item, contacts };
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

function idsOfContact(contact: Contact): string[] {
  const waId = contact.waId === null ? null : normalizePhone(contact.waId);
  const userId = contact.userId;
  return [waId, userId].filter((id): id is string => id !== null && id !== '');
}
