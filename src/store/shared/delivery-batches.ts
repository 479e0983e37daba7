import { randomBytes } from 'node:crypto';
import type { DeliveryClaim } from '../delivery-ports.js';
import type { CandidateRecord } from './delivery-rows.js';

/**
 * Which due deliveries a claim hands out, and in which batches; both adapters call this on the
 * candidates they read (each subscription's due key heads, oldest due first).
 *
 * A unit is what takes one slot: one delivery, or one batch of a batched subscription in the live
 * lane (replayed dead letters go singly). Units are taken in the due order of their first member,
 * while their subscription has free slots, up to the claim's limit; with no batched subscription
 * this is exactly one unit per candidate, as before batches existed.
 *
 * A batched subscription's candidates form units in two ways:
 * - **retried batches**: rows that already carry a `batch_id` (sent before, failed or interrupted)
 *   go out again as that same batch, with the same id. The adapter then checks that every pending
 *   member of it was leased by this claim (a scan cut short, or a concurrent claimer, could take
 *   only part of it) and releases it otherwise, so one id never carries two different sets.
 * - **new batches**: rows without one are cut, in due order, into batches of up to `max_events`
 *   events and MAX_BATCH_BYTES of event data; a batch that is not full goes out only once its
 *   oldest member has been due for `max_wait`. A new batch gets a random id, stored with the lease.
 *
 * Candidates are key heads (at most one pending delivery per ordering key is ever handed out), so
 * a batch holds at most one event of each key and per-key order is kept as for single deliveries.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** What an event's envelope (id, type, times, key…) adds to its data in the array, roughly. */
const ENVELOPE_BYTES = 512;

export interface PickedDelivery {
  record: CandidateRecord;
  /** The batch it goes in, or null when sent alone. */
  batchId: string | null;
  /** Whether `batchId` was stored before this claim (a retried batch, checked after leasing). */
  retried: boolean;
}

interface Unit {
  subscriptionId: string;
  members: PickedDelivery[];
}

/** Units in due order (by first member), taken while slots and the claim's limit allow; flattened. */
export function pickClaim(
  candidates: readonly CandidateRecord[],
  claim: DeliveryClaim,
  newBatchId: () => string = randomBatchId,
): PickedDelivery[] {
  const taken = new Map<string, number>();
  const chosen: PickedDelivery[] = [];
  let units = 0;
  for (const unit of formUnits(candidates, claim, newBatchId)) {
    if (units >= claim.limit) break;
    const free = claim.slots.get(unit.subscriptionId) ?? claim.defaultSlots;
    const used = taken.get(unit.subscriptionId) ?? 0;
    if (used >= free) continue;
    taken.set(unit.subscriptionId, used + 1);
    units += 1;
    chosen.push(...unit.members);
  }
  return chosen;
}

function formUnits(
  candidates: readonly CandidateRecord[],
  claim: DeliveryClaim,
  newBatchId: () => string,
): Unit[] {
  const positioned: { at: number; unit: Unit }[] = [];
  const batchedRows = new Map<string, { at: number; record: CandidateRecord }[]>();
  for (const [at, record] of candidates.entries()) {
    if (record.batch_max_events === null || claim.lane === 'replay') {
      const single = { record, batchId: null, retried: false };
      positioned.push({ at, unit: { subscriptionId: record.subscription_id, members: [single] } });
      continue;
    }
    const rows = batchedRows.get(record.subscription_id) ?? [];
    rows.push({ at, record });
    batchedRows.set(record.subscription_id, rows);
  }
  for (const [subscriptionId, rows] of batchedRows) {
    for (const { at, members } of batchesOf(rows, claim.now, newBatchId)) {
      positioned.push({ at, unit: { subscriptionId, members } });
    }
  }
  return positioned.sort((a, b) => a.at - b.at).map((entry) => entry.unit);
}

/** One subscription's rows (due order) as retried batches and ready new batches. */
function batchesOf(
  rows: readonly { at: number; record: CandidateRecord }[],
  now: number,
  newBatchId: () => string,
): { at: number; members: PickedDelivery[] }[] {
  const batches: { at: number; members: PickedDelivery[] }[] = [];
  const retried = new Map<string, { at: number; members: PickedDelivery[] }>();
  let open: { at: number; members: PickedDelivery[]; bytes: number } | undefined;
  const close = (full: boolean) => {
    if (!open) return;
    const first = open.members[0]!.record;
    const waited = now - Number(first.next_attempt_at) >= (first.batch_max_wait_ms ?? 0);
    if (full || waited) batches.push(open);
    open = undefined;
  };
  for (const { at, record } of rows) {
    if (record.batch_id !== null) {
      const batch = retried.get(record.batch_id) ?? { at, members: [] };
      if (batch.members.length === 0) {
        retried.set(record.batch_id, batch);
        batches.push(batch);
      }
      batch.members.push({ record, batchId: record.batch_id, retried: true });
      continue;
    }
    const bytes = dataBytes(record);
    if (open && open.bytes + bytes > MAX_BATCH_BYTES) close(true);
    open ??= { at, members: [], bytes: 0 };
    const batchId = open.members[0]?.batchId ?? newBatchId();
    open.members.push({ record, batchId, retried: false });
    open.bytes += bytes;
    if (open.members.length >= (record.batch_max_events ?? 1)) close(true);
  }
  close(false);
  return batches;
}

function dataBytes(record: CandidateRecord): number {
  const text = typeof record.data === 'string' ? record.data : JSON.stringify(record.data);
  return Buffer.byteLength(text ?? '', 'utf8') + ENVELOPE_BYTES;
}

/** `bat_` + 26 base32 characters (130 random bits): the webhook-id of one batch. */
export function randomBatchId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let id = 'bat_';
  for (const byte of randomBytes(26)) id += alphabet[byte % 32];
  return id;
}

/** The ids of the retried batches among the picked deliveries (the ones to check after leasing). */
export function retriedBatchIds(picked: readonly PickedDelivery[]): string[] {
  return [...new Set(picked.filter((entry) => entry.retried).map((entry) => entry.batchId!))];
}
