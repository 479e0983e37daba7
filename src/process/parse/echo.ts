/**
 * Message echoes (coexistence): what the business sent from the WhatsApp Business app or a linked
 * device, reported in `smb_message_echoes` (and `message_echoes`) as `message_echoes[]`. Each echo is
 * a message in the business's own words, so it is read with the message parser (content, context,
 * errors, nothing dropped) and becomes an `echo` item: the processing stage makes it the outbound
 * message record of its wamid, to which later statuses attach.
 */

import { eventIdFor } from '../../events/ids.js';
import { ECHO_COMMON_KEYS, wireEchoSchema } from '../../whatsapp/payload-schema-messages.js';
import { itemSiblingsValue } from '../../whatsapp/payload-schema-updates.js';
import { auditAgainst, auditFlags, emptyAudit, unparsedOrNull } from './audit.js';
import { contactsPerItem } from './contact-owners.js';
import type { ValueContext } from './context.js';
import { userOf } from './counterpart.js';
import { fieldItem } from './field.js';
import { parseMessage } from './message.js';
import { type MessagesValueSource, messagesValueContext, originOf } from './messages-value.js';
import { orNull } from './normalize.js';
import type { ParsedEcho, ParsedItem } from './types.js';

export const ECHO_FIELDS: ReadonlySet<string> = new Set(['smb_message_echoes', 'message_echoes']);
const ECHOES_KEY = 'message_echoes';

export function parseEchoesValue(source: MessagesValueSource): ParsedItem[] {
  const { value } = source;
  // What the value holds beside the echoes travels in each echo's `unparsed` under `value.<path>`.
  const { [ECHOES_KEY]: _echoes, ...siblings } = value;
  const beside = auditAgainst(itemSiblingsValue, siblings, emptyAudit(), { path: 'value' });
  const ctx = { ...messagesValueContext(source, [ECHOES_KEY]), flags: auditFlags(beside) };
  const list = value[ECHOES_KEY];
  if (!Array.isArray(list) || list.length === 0) {
    const flags = [
      ...ctx.flags,
      Array.isArray(list) ? `no_items:${ECHOES_KEY}` : `malformed_${ECHOES_KEY}:not_an_array`,
    ];
    return [fieldItem({ ...originOf(ctx), field: ctx.field, time: ctx.time, value, known: true, flags })];
  }
  const context: EchoContext = {
    ctx,
    soleItem: list.length === 1,
    beside: unparsedOrNull(beside),
    siblings,
  };
  return contactsPerItem(list.map((raw) => parseEcho(raw, context)));
}

/** An upper bound of the items an echoes value yields. */
export function countEchoItems(value: Record<string, unknown>): number {
  const list = value[ECHOES_KEY];
  return Array.isArray(list) ? Math.max(list.length, 1) : 1;
}

/** What every echo of one value shares. */
interface EchoContext {
  ctx: ValueContext;
  soleItem: boolean;
  /** What the value held beside the echoes that no schema reads, under `value.<path>`. */
  beside: Record<string, unknown> | null;
  siblings: Record<string, unknown>;
}

function parseEcho(raw: unknown, echoes: EchoContext): ParsedItem {
  const { ctx, soleItem, beside, siblings } = echoes;
  // The contacts of an echo value name the user it went to, not the business it came from.
  const message = parseMessage(raw, { ...ctx, contacts: [] }, soleItem, {
    schema: wireEchoSchema,
    commonKeys: ECHO_COMMON_KEYS,
  });
  if (message.kind === 'field') {
    // An echo that cannot be read is passed on with what it stood beside (metadata, contacts).
    const { kind: _kind, eventId: _eventId, ...unread } = message;
    return fieldItem({ ...unread, value: { ...siblings, [ECHOES_KEY]: [raw] } });
  }
  if (message.kind !== 'message') return message;
  const wire = wireEchoSchema.parse(raw);
  const to = userOf(
    { id: wire.to, userId: wire.to_user_id, parentUserId: wire.to_parent_user_id },
    { contacts: ctx.contacts, soleItem },
  );
  const echo: ParsedEcho = {
    kind: 'echo',
    eventId: eventIdFor('echo', [message.wamid]),
    wamid: message.wamid,
    wabaId: message.wabaId,
    phoneNumberId: message.phoneNumberId,
    displayPhoneNumber: message.displayPhoneNumber,
    timestamp: message.timestamp,
    from: orNull(wire.from),
    to,
    // Every echo carries the value's contacts whole: the join with `to` names only the one it matches.
    ...ctx.shared,
    type: message.type,
    content: message.content,
    context: message.context,
    errors: message.errors,
    unparsed: beside === null && message.unparsed === null ? null : { ...beside, ...message.unparsed },
    flags: message.flags,
  };
  return echo;
}
