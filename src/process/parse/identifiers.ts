/**
 * The values of an item that become keys and columns of the store: ids, status words, field
 * names, the routing ids, and the counterpart ids an ordering key is made of. WhatsApp never puts
 * a control character in one, and on PostgreSQL a NUL there fails the whole batch's transaction.
 * A body holding one is refused whole, so its row is quarantined with the reason and kept.
 */
import { escapeControlCharacters, hasControlCharacter } from '../../lib/control-characters.js';
import type { ParsedItem } from './types.js';

export function controlCharacterProblem(items: readonly ParsedItem[]): string | null {
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!;
    const found = firstControlled(item);
    if (found !== null) {
      const [name, value] = found;
      return (
        `item ${index} (${item.kind}): ${name} "${escapeControlCharacters(value).slice(0, 80)}" holds a ` +
        'control character, which WhatsApp identifiers never do'
      );
    }
  }
  return null;
}

/** Checked field by field, without building a list: this runs for every item of every row. */
function firstControlled(item: ParsedItem): [string, string] | null {
  const bad = (value: string | null | undefined): value is string =>
    typeof value === 'string' && hasControlCharacter(value);
  if (bad(item.wabaId)) return ['the WABA id', item.wabaId];
  if (bad(item.phoneNumberId)) return ['phone_number_id', item.phoneNumberId];
  switch (item.kind) {
    case 'message':
      if (bad(item.wamid)) return ['id', item.wamid];
      if (bad(item.from.waId)) return ['from', item.from.waId];
      if (bad(item.from.userId)) return ['from_user_id', item.from.userId];
      return null;
    case 'status':
      if (bad(item.wamid)) return ['id', item.wamid];
      if (bad(item.status)) return ['status', item.status];
      return null;
    case 'field':
      return bad(item.field) ? ['field', item.field] : null;
    default:
      return null;
  }
}
