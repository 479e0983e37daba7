/**
 * The processing plan of one batch: pure, no store, no bus, no clock. Given the batch's parsed
 * rows, the records the store holds for the wamids they touch and the time, it decides everything
 * the transaction writes (how each inbox row ends, the merged records in stored form, the new
 * events and which of them get no deliveries) and what the bus is told after the commit.
 *
 * Because it is a function of its inputs, replaying the same rows gives the same plan, and any
 * split of the same rows into batches, each planned against the records the previous ones wrote,
 * ends in the same records and events (test/unit/process/plan-batch.test.ts).
 */
import { contentDigest } from '../events/ids.js';
import type { InboxFinish, InboxRow, NewEvent, StoredMessage } from '../store/ports.js';
import type { MessageContext } from '../store/send-ports.js';
import { isDoctorWamid } from '../whatsapp/doctor-ids.js';
import {
  fieldEvent,
  messageConflictEvent,
  messageEchoEvent,
  messageReceivedEvent,
  messageStatusEvent,
  updateEvent,
  whatsappErrorEvent,
} from './build-events.js';
import type { RecordCore, RecordHistory } from './message-record.js';
import type { ParsedEcho, ParsedItem, ParsedMessage, ParseOutcome } from './parse/index.js';
import { type MergeResult, mergeStatus, recordEcho, recordInbound } from './status-merge.js';
import { type StoredRecord, storedHistory, toStoredRecord } from './stored-record.js';

export interface ParsedRow {
  row: InboxRow;
  outcome: ParseOutcome;
}

/** What the bus hears of one item (`process:item`), once the batch is committed. */
export interface ItemNote {
  kind: ParsedItem['kind'];
  duplicate: boolean;
  /** A message or echo under a wamid already seen, with other content (a `message.conflict`). */
  conflict: boolean;
  senderLagMs: number | null;
}

export interface BatchPlan {
  /** One per row: processed, or quarantined with the reason. */
  finishes: InboxFinish[];
  /** The records this batch changed, in stored form, with their arrival times. */
  messages: StoredMessage<StoredRecord>[];
  /** New events in item order; the store skips ids it already has. */
  events: NewEvent[];
  /** Events of `wahook doctor`'s test messages: stored and listed, never delivered. */
  undelivered: ReadonlySet<string>;
  items: ItemNote[];
  /** Items the records already held (the same status or message told again). */
  duplicates: number;
}

/** What one item does: the record it merged into (for wamid items) and the event it adds. */
interface ItemEffect {
  merged?: MergeResult;
  event?: NewEvent;
}

/** What every item is applied with: the batch's time and the business context of its wamids. */
interface ApplyEnv {
  now: number;
  contexts: ReadonlyMap<string, MessageContext>;
}

type Apply = {
  [K in ParsedItem['kind']]: (
    item: Extract<ParsedItem, { kind: K }>,
    before: RecordHistory | undefined,
    env: ApplyEnv,
  ) => ItemEffect;
};

/** Per kind of item: how it changes its record and which event it makes. */
const APPLY: Apply = {
  message: (item, before, { now }) => {
    const digest = bodyDigest(item);
    const merged = recordInbound(before, {
      wamid: item.wamid,
      phoneNumberId: item.phoneNumberId,
      // A fixed stand-in keeps the record a function of the payload, not of its arrival time.
      timestamp: item.timestamp ?? 0,
      from: item.from,
      type: item.type ?? 'unknown',
      contentDigest: digest,
    });
    return bodyEffect(item, merged, digest, () => messageReceivedEvent(item, now), now);
  },
  echo: (item, before, { now }) => {
    const digest = bodyDigest(item);
    const merged = recordEcho(before, {
      wamid: item.wamid,
      phoneNumberId: item.phoneNumberId,
      timestamp: item.timestamp ?? 0,
      to: item.to,
      type: item.type ?? 'unknown',
      contentDigest: digest,
    });
    return bodyEffect(item, merged, digest, () => messageEchoEvent(item, now), now);
  },
  status: (item, before, { now, contexts }) => {
    const merged = mergeStatus(before, item);
    if (!merged.isNew) return { merged };
    return { merged, event: messageStatusEvent(item, merged.record, now, contexts.get(item.wamid)) };
  },
  error: (item, _before, { now }) => ({ event: whatsappErrorEvent(item, now) }),
  update: (item, _before, { now }) => ({ event: updateEvent(item, now) }),
  field: (item, _before, { now }) => ({ event: fieldEvent(item, now) }),
};

/** What a message says (its type and content), to tell a second body under its wamid from a retry. */
function bodyDigest(item: ParsedMessage | ParsedEcho): string {
  return contentDigest({ type: item.type, content: item.content });
}

/**
 * A new body makes its event; a body the record has not seen under a wamid it has makes a
 * `message.conflict`. Reactions are the exception: Meta reuses one id for adding, changing and
 * removing a reaction, so a new emoji is a new `message.received` (its id names the emoji).
 */
function bodyEffect(
  item: ParsedMessage | ParsedEcho,
  merged: MergeResult,
  digest: string,
  newEvent: () => NewEvent,
  now: number,
): ItemEffect {
  if (merged.conflict)
    return {
      merged,
      event: item.content.kind === 'reaction' ? newEvent() : messageConflictEvent(item, digest, now),
    };
  return { merged, ...(merged.isNew ? { event: newEvent() } : {}) };
}

function applyItem(item: ParsedItem, before: RecordHistory | undefined, env: ApplyEnv): ItemEffect {
  return (APPLY[item.kind] as (i: ParsedItem, b: RecordHistory | undefined, e: ApplyEnv) => ItemEffect)(
    item,
    before,
    env,
  );
}

export function planBatch(
  parsed: readonly ParsedRow[],
  current: ReadonlyMap<string, StoredMessage>,
  now: number,
  contexts: ReadonlyMap<string, MessageContext> = new Map(),
): BatchPlan {
  const env: ApplyEnv = { now, contexts };
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
  const changed = new Map<string, RecordCore>();
  const plan: BatchPlan = {
    finishes: [],
    messages: [],
    events: [],
    undelivered: new Set(),
    items: [],
    duplicates: 0,
  };
  const undelivered = plan.undelivered as Set<string>;

  for (const { row, outcome } of parsed) {
    if (!outcome.ok) {
      plan.finishes.push({ id: row.id, state: 'quarantined', error: outcome.reason });
      continue;
    }
    const blocked = unreadableRecordOf(outcome.items, unreadable);
    if (blocked !== undefined) {
      plan.finishes.push({ id: row.id, state: 'quarantined', error: blocked });
      continue;
    }
    for (const item of outcome.items) {
      const wamid = 'wamid' in item ? item.wamid : undefined;
      const before = wamid === undefined ? undefined : (changed.get(wamid) ?? histories.get(wamid));
      const effect = applyItem(item, before, env);
      if (effect.merged !== undefined) changed.set(effect.merged.record.id, effect.merged.record);
      if (effect.event !== undefined) plan.events.push(effect.event);
      // A changed reaction is a new reaction, not a conflicting body (see bodyEffect).
      const conflict = effect.merged?.conflict === true && effect.event?.type === 'message.conflict';
      const duplicate = effect.merged !== undefined && !effect.merged.isNew && !effect.merged.conflict;
      if (wamid !== undefined && isDoctorWamid(wamid)) undelivered.add(item.eventId);
      if (duplicate) plan.duplicates += 1;
      plan.items.push({
        kind: item.kind,
        duplicate,
        conflict,
        senderLagMs: senderLagMs(item, row.receivedAt),
      });
    }
    plan.finishes.push({ id: row.id, state: 'processed', error: null });
  }
  for (const record of changed.values()) plan.messages.push(stored(record, current.get(record.id), now));
  return plan;
}

/** The wamids whose records a batch reads: message, echo and status items only. */
export function wamidsOf(parsed: readonly ParsedRow[]): string[] {
  const ids = new Set<string>();
  for (const { outcome } of parsed) {
    if (!outcome.ok) continue;
    for (const item of outcome.items)
      if (item.kind === 'message' || item.kind === 'echo' || item.kind === 'status') ids.add(item.wamid);
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

function stored(
  record: RecordCore,
  previous: StoredMessage | undefined,
  now: number,
): StoredMessage<StoredRecord> {
  return {
    id: record.id,
    record: toStoredRecord(record),
    status: record.status,
    direction: record.direction,
    phoneNumberId: record.phoneNumberId,
    firstSeenAt: previous?.firstSeenAt ?? now,
    updatedAt: now,
  };
}

function senderLagMs(item: ParsedItem, receivedAt: number): number | null {
  if (item.kind !== 'message' && item.kind !== 'status') return null;
  return typeof item.timestamp === 'number' ? receivedAt - item.timestamp * 1000 : null;
}
