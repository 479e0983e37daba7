import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { InboxFinish, InboxRow, NewEvent, ProcessingStore, StoredMessage } from '../store/ports.js';
import { isDoctorWamid } from '../whatsapp/doctor-ids.js';
import {
  fieldEvent,
  messageReceivedEvent,
  messageStatusEvent,
  updateEvent,
  whatsappErrorEvent,
} from './build-events.js';
import type { RecordSummary } from './message-record.js';
import { type ParsedItem, type ParseOutcome, parseEnvelope } from './parse/index.js';
import { mergeStatusSummary, recordInboundSummary } from './status-merge.js';
import { type RecordHistory, storedHistory, toStoredRecord } from './stored-record.js';

/**
 * ③ Processes one batch of claimed inbox rows in one transaction: parse each row, merge statuses
 * into message records, write the new events and their deliveries, and mark each row processed or
 * quarantined. Events of doctor test messages (`wamid.DOCTOR-…`) get no deliveries. Parsing happens before the transaction opens (it is pure and can be slow for a
 * 3 MB batch); the transaction only reads and writes. If anything throws, nothing is written and
 * the rows stay pending until their lease expires, so another attempt starts clean.
 */
export interface BatchResult {
  processed: number;
  quarantined: number;
  events: number;
  duplicates: number;
}

export async function processBatch(
  rows: readonly InboxRow[],
  deps: { store: ProcessingStore; bus: Bus; clock: Clock; owner: string },
): Promise<BatchResult> {
  const parsed = rows.map((row) => ({ row, outcome: parseEnvelope(row.body) }));
  const now = deps.clock.now();
  const result: BatchResult = { processed: 0, quarantined: 0, events: 0, duplicates: 0 };

  await deps.store.withProcessingTx(async (tx) => {
    const current = await tx.getMessages(wamidsOf(parsed.map((entry) => entry.outcome)));
    const histories = new Map<string, RecordHistory>();
    // A record this version cannot read (a newer format, a hand edit) stays as it is: no later
    // update may overwrite it with a history that lost everything before, and retrying will not
    // make it readable. Rows touching it are quarantined with the reason, to reprocess after a fix.
    const unreadable = new Map<string, string>();
    for (const [id, message] of current) {
      try {
        histories.set(id, storedHistory(id, message.record));
      } catch (err) {
        unreadable.set(id, (err as Error).message);
      }
    }
    const changed = new Map<string, StoredMessage<RecordSummary>>();
    const events: NewEvent[] = [];
    // Events of `wahook doctor`'s test messages: stored and listed, never delivered.
    const undelivered = new Set<string>();
    const finishes: InboxFinish[] = [];

    for (const { row, outcome } of parsed) {
      if (!outcome.ok) {
        finishes.push({ id: row.id, state: 'quarantined', error: outcome.reason });
        continue;
      }
      const blocked = unreadableRecordOf(outcome.items, unreadable);
      if (blocked !== undefined) {
        finishes.push({ id: row.id, state: 'quarantined', error: blocked });
        continue;
      }
      for (const item of outcome.items) {
        let duplicate = false;
        const before = changed.get(itemKey(item))?.record ?? histories.get(itemKey(item));
        if (item.kind === 'message') {
          const merged = recordInboundSummary(before, {
            wamid: item.wamid,
            phoneNumberId: item.phoneNumberId,
            // A fixed stand-in keeps the record a function of the payload, not of its arrival time.
            timestamp: item.timestamp ?? 0,
            from: item.from,
            type: item.type ?? 'unknown',
          });
          changed.set(item.wamid, stored(merged.record, current.get(item.wamid), now));
          if (merged.isNew) events.push(messageReceivedEvent(item, now));
          else duplicate = true;
        } else if (item.kind === 'status') {
          const merged = mergeStatusSummary(before, item);
          changed.set(item.wamid, stored(merged.record, current.get(item.wamid), now));
          if (merged.isNew) events.push(messageStatusEvent(item, merged.record, now));
          else duplicate = true;
        } else if (item.kind === 'error') {
          events.push(whatsappErrorEvent(item, now));
        } else if (item.kind === 'update') {
          events.push(updateEvent(item, now));
        } else {
          events.push(fieldEvent(item, now));
        }
        if ('wamid' in item && isDoctorWamid(item.wamid)) undelivered.add(item.eventId);
        if (duplicate) result.duplicates += 1;
        deps.bus.emit('process:item', {
          kind: item.kind,
          duplicate,
          senderLagMs: senderLagMs(item, row.receivedAt),
        });
      }
      finishes.push({ id: row.id, state: 'processed', error: null });
    }

    // Rows another worker took over (our lease expired) are not ours to finish: theirs will count.
    const finished = await tx.finishInboxRows(finishes, deps.owner, now);
    for (const finish of finishes) {
      if (finished.has(finish.id)) result[finish.state] += 1;
    }
    await tx.putMessages(
      [...changed.values()].map((message) => ({ ...message, record: toStoredRecord(message.record) })),
    );
    const inserted = await tx.insertEvents(events);
    // Ids that already existed are duplicates too (the same item in another row or an earlier run).
    result.duplicates += events.length - inserted.length;
    result.events = inserted.length;
    await tx.enqueueDeliveries(
      undelivered.size === 0 ? inserted : inserted.filter((event) => !undelivered.has(event.id)),
      now,
    );
  });

  for (const { row, outcome } of parsed) {
    deps.bus.emit('process:row', {
      inboxId: row.id,
      outcome: outcome.ok ? 'processed' : 'quarantined',
      lagMs: now - row.receivedAt,
      items: outcome.ok ? outcome.items.length : 0,
      ...(outcome.ok ? {} : { reason: outcome.reason }),
    });
  }
  return result;
}

function wamidsOf(outcomes: readonly ParseOutcome[]): string[] {
  const ids = new Set<string>();
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    for (const item of outcome.items)
      if (item.kind === 'message' || item.kind === 'status') ids.add(item.wamid);
  }
  return [...ids];
}

function unreadableRecordOf(
  items: readonly ParsedItem[],
  unreadable: ReadonlyMap<string, string>,
): string | undefined {
  if (unreadable.size === 0) return undefined;
  for (const item of items) {
    const reason = 'wamid' in item ? unreadable.get(item.wamid) : undefined;
    if (reason !== undefined)
      return `${reason}; fix or remove that record (or upgrade wahook), then reprocess this row`;
  }
  return undefined;
}

function itemKey(item: { kind: string; wamid?: string }): string {
  return item.wamid ?? '';
}

function stored(
  record: RecordSummary,
  previous: StoredMessage | undefined,
  now: number,
): StoredMessage<RecordSummary> {
  return {
    id: record.id,
    record,
    status: record.status,
    direction: record.direction,
    phoneNumberId: record.phoneNumberId,
    firstSeenAt: previous?.firstSeenAt ?? now,
    updatedAt: now,
  };
}

function senderLagMs(item: { kind: string; timestamp?: number | null }, receivedAt: number): number | null {
  if (item.kind !== 'message' && item.kind !== 'status') return null;
  return typeof item.timestamp === 'number' ? receivedAt - item.timestamp * 1000 : null;
}
