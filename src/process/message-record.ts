/**
 * The message record: what `GET /v1/messages/{wamid}` answers, and what the status merge keeps.
 *
 * Everything in a record is derived from its history, the set of distinct updates (status +
 * sender timestamp) the message has received, sorted by meaning rather than arrival. That is what
 * makes the record independent of arrival order and of duplicates: two workers that saw the same
 * updates in different orders build the same record. Arrival times (first seen, last updated)
 * depend on delivery, so they stay out of the record; the store keeps them beside it
 * (`StoredMessage` in src/store/ports.ts).
 *
 * The record map: every shape a record takes, and the one function that leads from each to the next.
 *
 *   HistoryEntry[]  the set of distinct updates, in any order
 *     │ summarizeHistory(id, entries)                       sorts it, decides the columns
 *     ▼
 *   RecordCore      sorted history + direction, phoneNumberId, status: what processing writes
 *     │ completeRecord(core)                                derives the rest when read
 *     ▼
 *   MessageRecord   the API shape (GET /v1/messages/{wamid}, message.status events' record)
 *
 *   (MessageRecord, HistoryEntry and their parts are public: declared in events/record-types.ts)
 *   RecordHistory   `{ id, history }`: what a merge needs of a record (a RecordCore is one)
 *   merging         mergeStatus / recordInbound (status-merge.ts): RecordHistory + update → RecordCore
 *   stored form     StoredRecord = toStoredRecord(history) (stored-record.ts: v2, compact entries);
 *                   storedHistory(id, stored) → RecordHistory reads either format back;
 *                   fromStoredRecord(id, stored) = completeRecord(summarizeHistory(storedHistory(…)))
 *   store row       StoredMessage<R> (store/ports.ts): a record R with its arrival times
 */

import type {
  HistoryEntry,
  MessageDirection,
  MessageError,
  MessageRecord,
  MessageTimestamps,
  RecordCounterpart,
} from '../events/record-types.js';
import { explainError } from '../whatsapp/error-catalog.js';
import { compareStatusPoints, decideCurrentStatus, type StatusPoint } from '../whatsapp/status-rank.js';

const COUNTERPART_FIELDS = [
  'waId',
  'userId',
  'parentUserId',
  'name',
  'username',
  'recipientId',
  'recipientType',
  'participantId',
  'participantUserId',
  'participantParentUserId',
  'participantName',
  'participantUsername',
] as const satisfies ReadonlyArray<keyof RecordCounterpart>;

const TIMESTAMP_FIELDS = ['sent', 'delivered', 'read', 'failed', 'played', 'received', 'echoed'] as const;

export function emptyCounterpart(): RecordCounterpart {
  return {
    waId: null,
    userId: null,
    parentUserId: null,
    name: null,
    username: null,
    recipientId: null,
    recipientType: null,
    participantId: null,
    participantUserId: null,
    participantParentUserId: null,
    participantName: null,
    participantUsername: null,
  };
}

function historyPoint(entry: HistoryEntry): StatusPoint {
  return { status: entry.status, timestamp: Date.parse(entry.timestamp) };
}

/** What a merge needs of a record: its id and its history. */
export type RecordHistory = Pick<MessageRecord, 'id' | 'history'>;

/**
 * What the processing transaction needs of a merged record: the sorted history it stores and the
 * three columns it keeps beside it. The rest of a record is derived when it is read
 * (`completeRecord`), so a status update does not build what nobody reads.
 */
export interface RecordCore {
  id: string;
  direction: MessageDirection;
  phoneNumberId: string | null;
  status: string;
  /** Sorted by sender timestamp, then status rank, then status word. */
  history: HistoryEntry[];
}

/**
 * Sorts a history and decides its columns. The history must hold one entry per (status,
 * timestamp); it is sorted here, so the result depends only on the set of entries.
 */
export function summarizeHistory(id: string, unsorted: readonly HistoryEntry[]): RecordCore {
  // Each entry's point once: a comparison would otherwise parse both ISO timestamps again.
  const pointed = unsorted.map((entry) => ({ entry, point: historyPoint(entry) }));
  pointed.sort((a, b) => compareStatusPoints(a.point, b.point));
  const history = pointed.map(({ entry }) => entry);
  return {
    id,
    direction: history.some((entry) => entry.status === 'received') ? 'inbound' : 'outbound',
    phoneNumberId: first(history, (entry) => entry.phoneNumberId),
    status: decideCurrentStatus(pointed.map(({ point }) => point)) ?? 'unknown',
    history,
  };
}

/** The whole record from a core's sorted history. */
export function completeRecord(core: RecordCore): MessageRecord {
  const { history } = core;
  return {
    id: core.id,
    direction: core.direction,
    phoneNumberId: core.phoneNumberId,
    counterpart: deriveCounterpart(history),
    status: core.status,
    messageType: first(history, (entry) => entry.messageType),
    timestamps: deriveTimestamps(history),
    errors: deriveErrors(history),
    pricing: first(history, (entry) => entry.pricing),
    conversation: first(history, (entry) => entry.conversation),
    bizOpaqueCallbackData: first(history, (entry) => entry.bizOpaqueCallbackData),
    history,
  };
}

/** The first value any entry gives, in history order. */
function first<T>(history: readonly HistoryEntry[], pick: (entry: HistoryEntry) => T | undefined): T | null {
  for (const entry of history) {
    const value = pick(entry);
    if (value !== undefined && value !== null) return value;
  }
  return null;
}

/** Field by field, the first value any update gave: a failed status often lacks what sent had. */
function deriveCounterpart(history: readonly HistoryEntry[]): RecordCounterpart {
  const counterpart = emptyCounterpart();
  for (const field of COUNTERPART_FIELDS) {
    counterpart[field] =
      history.find((entry) => entry.counterpart?.[field] != null)?.counterpart?.[field] ?? null;
  }
  return counterpart;
}

function deriveTimestamps(history: readonly HistoryEntry[]): MessageTimestamps {
  const timestamps: MessageTimestamps = {
    sent: null,
    delivered: null,
    read: null,
    failed: null,
    played: null,
    received: null,
    echoed: null,
  };
  for (const field of TIMESTAMP_FIELDS) {
    timestamps[field] = history.find((entry) => entry.status === field)?.timestamp ?? null;
  }
  return timestamps;
}

function deriveErrors(history: readonly HistoryEntry[]): MessageError[] {
  const seen = new Set<string>();
  const errors: MessageError[] = [];
  for (const err of history.flatMap((entry) => entry.errors ?? [])) {
    const key = JSON.stringify([err.code, err.details]);
    if (seen.has(key)) continue;
    seen.add(key);
    const { code, title, message, details } = err;
    errors.push({ code, title, message, details, href: err.href ?? null, explanation: explainError(err) });
  }
  return errors;
}
