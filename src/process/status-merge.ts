/**
 * The order-independent status merge. A status update becomes a history entry keyed by
 * (status, sender timestamp); the record is then derived again from the whole history (see
 * message-record.ts), never patched, so it is a pure function of the set of distinct updates.
 *
 * Two updates with the same key but different extra data (a retried webhook that gained pricing,
 * say) keep exactly one entry: the more complete one, and between equally complete ones the
 * smaller canonical JSON (sorted keys, events/ids.ts: entries read back from a store that reorders
 * keys compare the same). Both rules are a total order, so whichever arrives first, the same entry
 * survives. Such a second update is not new (`isNew: false`): it is the same event, told again.
 */
import { canonicalJson } from '../events/ids.js';
import type { HistoryEntry, RecordCounterpart } from '../events/record-types.js';
import type { Counterpart, StatusUpdate, WhatsAppError } from '../whatsapp/types.js';
import { emptyCounterpart, type RecordCore, type RecordHistory, summarizeHistory } from './message-record.js';

export interface MergeResult {
  record: RecordCore;
  /** False when the (status, timestamp) pair was already in the history: a duplicate. */
  isNew: boolean;
  /**
   * True when a message (or echo) arrived again under its wamid saying something else: the
   * history already held a `received` (or `echoed`) entry with another content digest. The
   * history keeps both when their times differ; either way the caller must not stay silent.
   */
  conflict: boolean;
}

export interface InboundMessage {
  wamid: string;
  phoneNumberId: string | null;
  /** Sender timestamp, unix seconds. */
  timestamp: number;
  from: Counterpart;
  type: string;
  /** Digest of the message's type and content; absent where a changed body is expected (reactions). */
  contentDigest?: string;
}

/** A message the business sent from the WhatsApp Business app, as its echo reports it. */
export interface EchoedMessage {
  wamid: string;
  phoneNumberId: string | null;
  /** Sender timestamp, unix seconds. */
  timestamp: number;
  to: Counterpart;
  type: string;
  contentDigest?: string;
}

/**
 * Merges a status webhook item; a wamid never seen before starts an outbound record. Answers the
 * record's core (what the processing transaction stores); `completeRecord` makes the whole record.
 */
export function mergeStatus(record: RecordHistory | undefined, update: StatusUpdate): MergeResult {
  return mergeEntry(record, update.wamid, historyEntryFromStatus(update));
}

/** Records a message the user sent: direction inbound, status `received`. */
export function recordInbound(record: RecordHistory | undefined, msg: InboundMessage): MergeResult {
  const entry: HistoryEntry = {
    status: 'received',
    timestamp: isoFromUnixSeconds(msg.timestamp, msg.wamid),
    ...optional('counterpart', counterpartOrUndefined({ ...emptyCounterpart(), ...msg.from })),
    ...optional('phoneNumberId', msg.phoneNumberId),
    ...optional('messageType', msg.type),
    ...optional('contentDigest', msg.contentDigest),
  };
  return mergeEntry(record, msg.wamid, entry);
}

/**
 * Records an echo: it starts the outbound record of its wamid, or completes one that statuses
 * started (they carry no message type, and the echo names whom it went to), status `echoed`.
 */
export function recordEcho(record: RecordHistory | undefined, echo: EchoedMessage): MergeResult {
  const entry: HistoryEntry = {
    status: 'echoed',
    timestamp: isoFromUnixSeconds(echo.timestamp, echo.wamid),
    ...optional('counterpart', counterpartOrUndefined({ ...emptyCounterpart(), ...echo.to })),
    ...optional('phoneNumberId', echo.phoneNumberId),
    ...optional('messageType', echo.type),
    ...optional('contentDigest', echo.contentDigest),
  };
  return mergeEntry(record, echo.wamid, entry);
}

function mergeEntry(record: RecordHistory | undefined, wamid: string, entry: HistoryEntry): MergeResult {
  if (record !== undefined && record.id !== wamid) {
    throw new Error(`cannot merge an update for ${wamid} into the record of ${record.id}`);
  }
  const history = record?.history ?? [];
  const existing = history.find((e) => e.status === entry.status && e.timestamp === entry.timestamp);
  const kept = existing === undefined ? entry : keptEntry(existing, entry);
  const others = history.filter((e) => e !== existing);
  const seen = history.filter((e) => e.status === entry.status).flatMap(digestsOf);
  const conflict =
    entry.contentDigest !== undefined && seen.length > 0 && !seen.includes(entry.contentDigest);
  return { record: summarizeHistory(wamid, [...others, kept]), isNew: existing === undefined, conflict };
}

function digestsOf(entry: HistoryEntry): string[] {
  const first = entry.contentDigest === undefined ? [] : [entry.contentDigest];
  return [...first, ...(entry.conflictingDigests ?? [])];
}

/**
 * The entry kept for one key: the preferred of the bodies themselves (so the choice is the same in
 * any arrival order), carrying the digests of every other body seen under the key.
 */
function keptEntry(existing: HistoryEntry, entry: HistoryEntry): HistoryEntry {
  const { conflictingDigests: _existing, ...existingBody } = existing;
  const { conflictingDigests: _entry, ...entryBody } = entry;
  const kept = preferredEntry(existingBody, entryBody);
  const others = [...new Set([...digestsOf(existing), ...digestsOf(entry)])]
    .filter((digest) => digest !== kept.contentDigest)
    .sort();
  return others.length === 0 ? kept : { ...kept, conflictingDigests: others };
}

function historyEntryFromStatus(update: StatusUpdate): HistoryEntry {
  return {
    status: update.status,
    timestamp: isoFromUnixSeconds(update.timestamp, update.wamid),
    ...optional('errors', update.errors.length > 0 ? update.errors.map(normalizeError) : null),
    ...optional('pricing', update.pricing),
    ...optional('conversation', update.conversation),
    ...optional('counterpart', counterpartOrUndefined(pickCounterpart(update.recipient))),
    ...optional('bizOpaqueCallbackData', update.bizOpaqueCallbackData),
    ...optional('phoneNumberId', update.phoneNumberId),
  };
}

/** Of two entries with the same key, the one to keep; the same answer in either argument order. */
export function preferredEntry(a: HistoryEntry, b: HistoryEntry): HistoryEntry {
  const byCompleteness = completeness(b) - completeness(a);
  if (byCompleteness !== 0) return byCompleteness > 0 ? b : a;
  return canonicalJson(b) < canonicalJson(a) ? b : a;
}

/** How many facts an entry carries: every error and every non-null field of its parts. */
function completeness(entry: HistoryEntry): number {
  const parts = [entry.pricing, entry.conversation, entry.counterpart, entry.bizOpaqueCallbackData];
  const partFacts = parts.reduce<number>((sum, part) => sum + countFacts(part), 0);
  return (
    partFacts + countFacts(entry.phoneNumberId) + countFacts(entry.messageType) + (entry.errors?.length ?? 0)
  );
}

function countFacts(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'object') return 1;
  return Object.values(value).reduce<number>((sum, inner) => sum + countFacts(inner), 0);
}

function isoFromUnixSeconds(seconds: number, wamid: string): string {
  if (!Number.isFinite(seconds)) {
    throw new RangeError(
      `update for ${wamid} has no usable sender timestamp (${seconds}); parse it as unix seconds`,
    );
  }
  return new Date(seconds * 1000).toISOString();
}

function normalizeError(err: WhatsAppError): WhatsAppError {
  return { code: err.code, title: err.title, message: err.message, details: err.details, href: err.href };
}

function pickCounterpart(recipient: StatusUpdate['recipient']): RecordCounterpart {
  return { ...emptyCounterpart(), ...recipient };
}

function counterpartOrUndefined(counterpart: RecordCounterpart): RecordCounterpart | undefined {
  return Object.values(counterpart).some((value) => value !== null) ? counterpart : undefined;
}

/** `{ key: value }` when the value is known, `{}` otherwise: absent keys keep history entries small. */
function optional<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === null || value === undefined ? {} : ({ [key]: value } as { [P in K]: V });
}
