import type { Json, JsonObject } from './json.js';
import { type BusinessNumber, metadataOf } from './people.js';

/**
 * One message or status update, with what is needed to place it in a Cloud API envelope. Builders
 * produce items; `assembleEnvelope` packs one or many into a POST body the way Meta batches them:
 * one entry per WABA, one change per business number and array, items in their given order.
 */
export interface WebhookItem {
  readonly number: BusinessNumber;
  readonly array: 'messages' | 'statuses';
  /** The `value.contacts[]` entry that travels with this item, or null (system messages, failed statuses). */
  readonly contact: JsonObject | null;
  /** The `messages[]` or `statuses[]` object itself. */
  readonly object: JsonObject;
  readonly wamid: string;
  /** The status word for a status item; null for an inbound message. */
  readonly status: string | null;
  /** Sender timestamp, unix seconds: the natural order of a scenario. */
  readonly timestamp: number;
}

export const OBJECT_WABA = 'whatsapp_business_account';

export function envelopeOf(entries: JsonObject[]): JsonObject {
  return { object: OBJECT_WABA, entry: entries };
}

/** A `field: "messages"` change value; the arrays given are included in Meta's key order. */
export function messagesValue(
  number: BusinessNumber,
  arrays: { contacts?: Json[]; messages?: Json[]; statuses?: Json[]; errors?: Json[] },
): JsonObject {
  const value: JsonObject = { messaging_product: 'whatsapp', metadata: metadataOf(number) };
  for (const key of ['contacts', 'messages', 'statuses', 'errors'] as const) {
    const list = arrays[key];
    if (list !== undefined && list.length > 0) value[key] = list;
  }
  return value;
}

interface ChangeDraft {
  number: BusinessNumber;
  array: WebhookItem['array'];
  contacts: Map<string, JsonObject>;
  objects: JsonObject[];
}

function contactKey(contact: JsonObject): string {
  const userId = contact.user_id;
  return typeof userId === 'string' ? userId : JSON.stringify(contact);
}

export function assembleEnvelope(items: readonly WebhookItem[]): JsonObject {
  const entries = new Map<string, Map<string, ChangeDraft>>();
  for (const item of items) {
    let changes = entries.get(item.number.wabaId);
    if (!changes) {
      changes = new Map();
      entries.set(item.number.wabaId, changes);
    }
    const changeKey = `${item.number.phoneNumberId}/${item.array}`;
    let draft = changes.get(changeKey);
    if (!draft) {
      draft = { number: item.number, array: item.array, contacts: new Map(), objects: [] };
      changes.set(changeKey, draft);
    }
    if (item.contact !== null && !draft.contacts.has(contactKey(item.contact))) {
      draft.contacts.set(contactKey(item.contact), item.contact);
    }
    draft.objects.push(item.object);
  }
  return envelopeOf(
    [...entries].map(([wabaId, changes]) => ({
      id: wabaId,
      changes: [...changes.values()].map((draft) => ({
        field: 'messages',
        value: messagesValue(draft.number, {
          contacts: [...draft.contacts.values()],
          [draft.array]: draft.objects,
        }),
      })),
    })),
  );
}
