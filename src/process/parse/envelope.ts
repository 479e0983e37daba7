/**
 * Entry point of the parser: raw body in, items out, no I/O. A body that cannot be read (not JSON,
 * not a shape we know, broken skeleton, too large a batch) is refused with a reason, so the caller
 * quarantines it; anything inside a readable body is emitted, flagged where it surprised us.
 */

import { escapeControlCharacters } from '../../lib/control-characters.js';
import {
  CLOUD_OBJECT,
  ON_PREMISES_KEYS,
  type WireCloudEnvelope,
  wireCloudEnvelopeSchema,
} from '../../whatsapp/payload-schema-envelope.js';
import { decodeJsonObject } from './decode.js';
import { countEchoItems, ECHO_FIELDS, parseEchoesValue } from './echo.js';
import { type FieldChange, parseFieldChange } from './field.js';
import { controlCharacterProblem } from './identifiers.js';
import { countMessagesValueItems, parseMessagesValue } from './messages-value.js';
import { orNull } from './normalize.js';
import type { ParsedItem, ParseOutcome } from './types.js';
import { countUpdateItems } from './update.js';

/** Meta batches at most 1000 updates; ten times that is no longer a webhook but a problem. */
export const MAX_ITEMS_PER_PAYLOAD = 10_000;

export function parseEnvelope(body: Buffer | string): ParseOutcome {
  const outcome = parseOrExplain(body);
  // Reasons quote keys and values of the body; they are shown to operators and stored.
  if (!outcome.ok) return { ok: false, reason: escapeControlCharacters(outcome.reason) };
  const problem = controlCharacterProblem(outcome.items);
  return problem === null ? outcome : { ok: false, reason: problem };
}

function parseOrExplain(body: Buffer | string): ParseOutcome {
  try {
    return parseBody(body);
  } catch (error) {
    // A parser bug must quarantine one row with a reason, not stop the worker; the row can be
    // reprocessed once the bug is fixed.
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `parser failed unexpectedly: ${message.slice(0, 200)}` };
  }
}

function parseBody(body: Buffer | string): ParseOutcome {
  const decoded = decodeJsonObject(body);
  if (!decoded.ok) return decoded;
  const root = decoded.value;
  if (root.entry !== undefined) return parseCloud(root);
  if (ON_PREMISES_KEYS.some((key) => root[key] !== undefined)) return parseOnPremises(root);
  return {
    ok: false,
    reason: `unknown shape: no "entry" array and no top-level messages/statuses/errors/contacts (keys: ${keyList(root)})`,
  };
}

function parseCloud(root: Record<string, unknown>): ParseOutcome {
  const parsed = wireCloudEnvelopeSchema.safeParse(root);
  if (!parsed.success) return { ok: false, reason: `malformed envelope: ${firstIssue(parsed.error.issues)}` };
  const changes = changesOf(parsed.data);
  const total = changes.reduce((sum, change) => sum + countChangeItems(change), 0);
  if (total > MAX_ITEMS_PER_PAYLOAD) return tooMany(total);
  const flags = root.object === CLOUD_OBJECT ? [] : [`unexpected_object:${describeObjectTag(root.object)}`];
  return { ok: true, format: 'cloud', items: changes.flatMap(parseChange), flags };
}

function parseOnPremises(root: Record<string, unknown>): ParseOutcome {
  const total = countMessagesValueItems(root);
  if (total > MAX_ITEMS_PER_PAYLOAD) return tooMany(total);
  // No skeleton, no WABA, no phone number id: the receiving endpoint was the only routing.
  const items = parseMessagesValue({ wabaId: null, field: 'messages', time: null, value: root });
  return { ok: true, format: 'on-premises', items, flags: [] };
}

function changesOf(envelope: WireCloudEnvelope): FieldChange[] {
  return envelope.entry.flatMap((entry) =>
    entry.changes.map((change) => ({
      wabaId: orNull(entry.id),
      time: orNull(entry.time),
      field: change.field,
      value: change.value,
    })),
  );
}

function parseChange(change: FieldChange): ParsedItem[] {
  if (change.field === 'messages') return parseMessagesValue(change);
  return ECHO_FIELDS.has(change.field) ? parseEchoesValue(change) : parseFieldChange(change);
}

function countChangeItems(change: FieldChange): number {
  if (change.field === 'messages') return countMessagesValueItems(change.value);
  return ECHO_FIELDS.has(change.field)
    ? countEchoItems(change.value)
    : countUpdateItems(change.field, change.value);
}

function tooMany(total: number): ParseOutcome {
  return {
    ok: false,
    reason: `too many items: ${total} in one payload, limit ${MAX_ITEMS_PER_PAYLOAD} (Meta sends at most 1000 per batch)`,
  };
}

function firstIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const issue = issues[0];
  if (issue === undefined) return 'unreadable skeleton';
  const path = issue.path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
  return `${path || '(root)'}: ${issue.message}`;
}

function describeObjectTag(tag: unknown): string {
  if (tag === undefined) return 'missing';
  return typeof tag === 'string' ? tag.slice(0, 64) : typeof tag;
}

function keyList(root: Record<string, unknown>): string {
  const keys = Object.keys(root);
  if (keys.length === 0) return 'none';
  const shown = keys.slice(0, 8).map((key) => key.slice(0, 32));
  return keys.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}
