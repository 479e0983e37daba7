import type { Clock } from '../lib/clock.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { InboxRow, ProcessingStore, ProcessingTx, StoredEvent } from '../store/ports.js';
import { type MessageContext, type SendSettlement, sendIdFromOpaque } from '../store/send-ports.js';
import { parseEnvelope } from './parse/index.js';
import { type BatchPlan, type ParsedRow, planBatch, wamidsOf } from './plan-batch.js';

/**
 * ③ Processes one batch of claimed inbox rows in one transaction: parse each row (before the
 * transaction opens: it is pure and can be slow for a 3 MB batch), plan the batch against the
 * records it touches (plan-batch.ts, pure), then write the plan: finish the rows, store the
 * records, insert the new events and their deliveries. Events of doctor test messages
 * (`wamid.DOCTOR-…`) get no deliveries. If anything throws, nothing is written and the rows stay
 * pending until their lease expires, so another attempt starts clean. After the commit the bus
 * hears of items and rows, and new events signal `events:appended` once for the batch.
 */
export interface BatchResult {
  processed: number;
  quarantined: number;
  events: number;
  duplicates: number;
}

export async function processBatch(
  rows: readonly InboxRow[],
  deps: { store: ProcessingStore; bus: Bus; wakeups: Pick<Wakeups, 'signal'>; clock: Clock; owner: string },
): Promise<BatchResult> {
  const parsed: ParsedRow[] = rows.map((row) => ({ row, outcome: parseEnvelope(row.body) }));
  const now = deps.clock.now();

  const { plan, finished, inserted } = await deps.store.withProcessingTx(async (tx) => {
    const current = await tx.getMessages(wamidsOf(parsed));
    const plan = planBatch(parsed, current, now, await contextsOf(tx, parsed, now));
    // Rows another worker took over (our lease expired) are not ours to finish: theirs will count.
    const finished = await tx.finishInboxRows(plan.finishes, deps.owner, now);
    await tx.putMessages(plan.messages);
    const inserted = await tx.insertEvents(plan.events);
    await tx.enqueueDeliveries(deliverable(inserted, plan.undelivered), now);
    return { plan, finished, inserted };
  });

  announce(deps.bus, parsed, plan, now);
  if (inserted.length > 0) deps.wakeups.signal('events:appended');
  const result: BatchResult = { processed: 0, quarantined: 0, events: inserted.length, duplicates: 0 };
  for (const finish of plan.finishes) {
    if (finished.has(finish.id)) result[finish.state] += 1;
  }
  // Ids that already existed are duplicates too (the same item in another row or an earlier run).
  result.duplicates = plan.duplicates + plan.events.length - inserted.length;
  return result;
}

/**
 * The business context of every status's wamid, so its event carries the send's metadata. A
 * status whose opaque data names a send that has no wamid yet (its answer was lost) settles it
 * here, in the same transaction, so this very event already carries the context.
 */
async function contextsOf(
  tx: ProcessingTx,
  parsed: readonly ParsedRow[],
  now: number,
): Promise<Map<string, MessageContext>> {
  const wamids = new Set<string>();
  const settlements: SendSettlement[] = [];
  for (const { outcome } of parsed) {
    if (!outcome.ok) continue;
    for (const item of outcome.items) {
      if (item.kind !== 'status') continue;
      wamids.add(item.wamid);
      const sendId = sendIdFromOpaque(item.bizOpaqueCallbackData);
      if (sendId !== null)
        settlements.push({
          sendId,
          wamid: item.wamid,
          waId: item.recipient.waId ?? null,
          userId: item.recipient.userId ?? null,
        });
    }
  }
  if (wamids.size === 0) return new Map();
  const contexts = await tx.messageContexts([...wamids]);
  const unsettled = settlements.filter((settlement) => !contexts.get(settlement.wamid)?.send);
  if (unsettled.length > 0) {
    for (const [wamid, context] of await tx.settleSends(unsettled, now)) contexts.set(wamid, context);
  }
  return contexts;
}

function deliverable(inserted: StoredEvent[], undelivered: ReadonlySet<string>): StoredEvent[] {
  return undelivered.size === 0 ? inserted : inserted.filter((event) => !undelivered.has(event.id));
}

function announce(bus: Bus, parsed: readonly ParsedRow[], plan: BatchPlan, now: number): void {
  for (const item of plan.items) bus.emit('process:item', item);
  for (const { row, outcome } of parsed) {
    bus.emit('process:row', {
      inboxId: row.id,
      outcome: outcome.ok ? 'processed' : 'quarantined',
      lagMs: now - row.receivedAt,
      items: outcome.ok ? outcome.items.length : 0,
      ...(outcome.ok ? {} : { reason: outcome.reason }),
    });
  }
}
