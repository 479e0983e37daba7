/**
 * Finding one person in stored WhatsApp JSON, and cutting them out of a webhook body.
 *
 * A person is named by a phone number (`wa_id`, `from`, `recipient_id`, in any spelling: `+49 151…`
 * and `49151…` are the same number) or by a BSUID (`user_id`, `from_user_id`, `recipient_user_id`).
 * A string value that equals the identifier marks the JSON object that holds it; a substring does
 * not (a longer number that contains the digits is someone else).
 *
 * In a webhook body every person appears as an item of an array (`contacts[]`, `messages[]`,
 * `statuses[]`, `user_preferences[]`, …), and the item holds everything about them: the message
 * text, the name, the number. Redaction therefore walks the body depth first and drops each array
 * item that still names the person once its own arrays are redacted, so an entry or change that
 * also carries other people stays with theirs. A string that names the person anywhere else is
 * blanked, so no byte of the identifier survives whatever the shape.
 */
export type PersonIdentifier = { kind: 'wa_id' | 'user_id'; value: string };

/** The bytes to search stored text for: the digits of a number, the BSUID as given. */
export function searchNeedle(person: PersonIdentifier): string {
  return person.kind === 'wa_id' ? phoneDigits(person.value) : person.value.trim();
}

export function phoneDigits(text: string): string {
  return text.replace(/\D/g, '');
}

function namesPerson(value: string, person: PersonIdentifier, needle: string): boolean {
  if (person.kind === 'user_id') return value === needle;
  return /^\+?[\d\s().-]+$/.test(value.trim()) && phoneDigits(value) === needle;
}

/**
 * Whether any string anywhere in the JSON value names the person, or a number spells their phone
 * number (metadata the business wrote may hold `"referred_by": 4915112345678`).
 */
export function mentionsPerson(value: unknown, person: PersonIdentifier): boolean {
  const needle = searchNeedle(person);
  const walk = (node: unknown): boolean => {
    if (typeof node === 'string') return namesPerson(node, person, needle);
    if (typeof node === 'number')
      return person.kind === 'wa_id' && Number.isSafeInteger(node) && String(node) === needle;
    if (Array.isArray(node)) return node.some(walk);
    if (node !== null && typeof node === 'object') return Object.values(node).some(walk);
    return false;
  };
  return walk(value);
}

/** Array keys whose items are about one person each; a body with none left is about nobody. */
const PERSON_ITEM_KEYS = new Set(['contacts', 'messages', 'statuses', 'user_preferences', 'user_id_update']);

/**
 * The body without the person, or null when no item about anyone else is left in it (the caller
 * deletes such a row instead of keeping an empty envelope).
 */
export function redactPerson(document: unknown, person: PersonIdentifier): unknown | null {
  const needle = searchNeedle(person);
  const names = (value: unknown) => typeof value === 'string' && namesPerson(value, person, needle);
  /** The item itself names the person: one of its fields, or a field of a nested object (not array). */
  const namesDirectly = (node: unknown): boolean => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
    return Object.values(node).some((value) => names(value) || namesDirectly(value));
  };
  let peopleLeft = 0;
  const walk = (node: unknown, key: string | null): unknown => {
    if (names(node)) return '';
    if (Array.isArray(node)) {
      const kept = node.filter((item) => !namesDirectly(item)).map((item) => walk(item, null));
      if (key !== null && PERSON_ITEM_KEYS.has(key)) peopleLeft += kept.length;
      return kept;
    }
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([name, value]) => [name, walk(value, name)]));
    }
    return node;
  };
  const body = walk(document, null);
  return peopleLeft > 0 ? body : null;
}

/**
 * A JSON document the business wrote (metadata of a message), without the person: each field
 * whose value names them and each array item that names them anywhere inside (a contact entry) is
 * left out; nested objects keep their other fields, and the rest stays as it was. Unlike a webhook body it has no people items to count, so it is never deleted whole.
 */
export function withoutPerson(document: unknown, person: PersonIdentifier): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.filter((item) => !mentionsPerson(item, person)).map(walk);
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node)
          // A field goes when its own value names the person; an object or array is walked instead.
          .filter(
            ([, value]) => (value !== null && typeof value === 'object') || !mentionsPerson(value, person),
          )
          .map(([name, value]) => [name, walk(value)]),
      );
    }
    return node;
  };
  return walk(document);
}

/** What stands in a free text where it named an erased person. */
export const ERASED_MENTION = '[erased]';

/**
 * Every string of a JSON value (a message the business sent someone else) with each mention of the
 * person replaced by `[erased]`: their number written internationally, with or without `+` or
 * `00`, with spaces, dashes, dots or brackets anywhere in it, or their BSUID. A digit (or, for a
 * BSUID, a letter or digit) right before or after makes it another identifier, which stays. A
 * number written nationally (`0151 …`) cannot be told from another country's and is not found.
 */
export function withoutMentions(document: unknown, person: PersonIdentifier): unknown {
  const mention = mentionPattern(person);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return node.replace(mention, ERASED_MENTION);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([name, value]) => [name, walk(value)]));
    return node;
  };
  return walk(document);
}

function mentionPattern(person: PersonIdentifier): RegExp {
  const needle = searchNeedle(person);
  if (person.kind === 'user_id') {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'gu');
  }
  return new RegExp(`(?<!\\d)(?:\\+|00)?${[...needle].join('[\\s().-]*')}(?!\\d)`, 'g');
}
