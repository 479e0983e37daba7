/**
 * How a message record is kept in the store: its history alone, each entry's counterpart without
 * its empty fields. Everything else in a record is derived from the history (message-record.ts),
 * so storing it too kept a second copy: the record of a read message took 1.8 KB, more than half
 * of it derived fields and null counterpart fields, and records are what the processing
 * transaction rewrites most (a random page per update, two records to a 4 KiB page).
 *
 * Records stored whole before this format are read through their history like the new ones, so
 * no migration rewrites them; each is stored in the new format at its next update.
 */

import type { HistoryEntry, MessageRecord, RecordCounterpart } from '../events/record-types.js';
import { RecordNotJson } from '../store/ports.js';
import { completeRecord, emptyCounterpart, type RecordHistory, summarizeHistory } from './message-record.js';

/** A history entry as stored: `counterpart` holds only the fields that are not null. */
type StoredEntry = Omit<HistoryEntry, 'counterpart'> & { counterpart?: Partial<RecordCounterpart> };

export interface StoredRecord {
  /** The format: 2 (1 was the whole MessageRecord, recognised by having no `v`). */
  v: 2;
  history: StoredEntry[];
}

export function toStoredRecord(record: RecordHistory): StoredRecord {
  return { v: 2, history: record.history.map(compactEntry) };
}

/** The history of a stored record in either format; throws on anything else, naming the wamid. */
export function storedHistory(id: string, stored: unknown): RecordHistory {
  if (stored instanceof RecordNotJson) {
    throw new TypeError(`the stored record of ${id} is not JSON (${stored.reason})`);
  }
  const history = (stored as { history?: unknown } | null)?.history;
  if (!Array.isArray(history)) {
    throw new TypeError(`the stored record of ${id} has no history array; it was not written by wahook`);
  }
  const version = (stored as { v?: unknown }).v;
  if (version === undefined) return { id, history: history as HistoryEntry[] };
  if (version === 2) return { id, history: (history as StoredEntry[]).map(expandEntry) };
  throw new TypeError(
    `the stored record of ${id} has format ${JSON.stringify(version)}, which this version cannot read; a newer wahook wrote it`,
  );
}

/** The whole record (what GET /v1/messages/{wamid} answers) from a stored record in either format. */
export function fromStoredRecord(id: string, stored: unknown): MessageRecord {
  return completeRecord(summarizeHistory(id, storedHistory(id, stored).history));
}

function compactEntry(entry: HistoryEntry): StoredEntry {
  if (entry.counterpart === undefined) return entry;
  const counterpart: Partial<RecordCounterpart> = {};
  for (const [field, value] of Object.entries(entry.counterpart) as [
    keyof RecordCounterpart,
    string | null,
  ][]) {
    if (value !== null) counterpart[field] = value;
  }
  return { ...entry, counterpart };
}

function expandEntry(entry: StoredEntry): HistoryEntry {
  if (entry.counterpart === undefined) return entry as HistoryEntry;
  return { ...entry, counterpart: { ...emptyCounterpart(), ...entry.counterpart } };
}
