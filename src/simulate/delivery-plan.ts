import { serializeMetaBytes } from './meta-json.js';
import { assembleEnvelope, type WebhookItem } from './payloads/envelope.js';
import { createRandom, type Random } from './random.js';

/**
 * Turns traffic into the POSTs to send, in dispatch order, imitating how Meta's delivery looks from
 * the receiving end (§3.3, §7.1): updates batched into POSTs, POSTs overtaking each other, and the
 * same POST arriving again.
 *
 * Reordering: each POST, with probability `reorder`, is held back by 1..`reorderWindow` places, so
 * a later update (say `read`) reaches the receiver before an earlier one (`sent`). Duplicates: each
 * POST, with probability `duplicates`, is sent again within the window, byte for byte.
 */
export interface PlanOptions {
  readonly seed: string;
  /** Items per POST, 1 to 1000. */
  readonly batchSize: number;
  readonly duplicates: number;
  readonly reorder: number;
  readonly reorderWindow: number;
}

export interface PlannedDelivery {
  /** Position in the dispatch order. */
  readonly index: number;
  /** Position of the batch in the natural order; a duplicate shares its original's. */
  readonly batch: number;
  readonly body: Buffer;
  readonly itemCount: number;
  readonly duplicate: boolean;
}

export interface DeliveryPlan {
  readonly deliveries: PlannedDelivery[];
  readonly batchCount: number;
  readonly itemCount: number;
  readonly duplicateCount: number;
  /** POSTs that some later batch overtook. */
  readonly reorderedCount: number;
}

export const MAX_BATCH_SIZE = 1000;

interface Draft {
  batch: number;
  body: Buffer;
  itemCount: number;
  duplicate: boolean;
  key: number;
}

function batchItems(items: readonly WebhookItem[], batchSize: number): Draft[] {
  const drafts: Draft[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const chunk = items.slice(start, start + batchSize);
    const batch = drafts.length;
    drafts.push({
      batch,
      body: serializeMetaBytes(assembleEnvelope(chunk)),
      itemCount: chunk.length,
      duplicate: false,
      key: batch,
    });
  }
  return drafts;
}

/** Stable sort by key; the half step puts a moved POST after the one it was moved behind. */
function displace(drafts: Draft[], random: Random, rate: number, window: number): Draft[] {
  const keyed = drafts.map((draft, position) => ({
    ...draft,
    key: random.chance(rate) ? position + random.int(1, window) + 0.5 : position,
  }));
  return keyed.sort((a, b) => a.key - b.key);
}

function addDuplicates(drafts: Draft[], random: Random, rate: number, window: number): Draft[] {
  const withCopies: Draft[] = drafts.map((draft, position) => ({ ...draft, key: position }));
  for (const [position, draft] of drafts.entries()) {
    if (random.chance(rate)) {
      withCopies.push({ ...draft, duplicate: true, key: position + random.int(1, window) + 0.5 });
    }
  }
  return withCopies.sort((a, b) => a.key - b.key);
}

function countOvertaken(drafts: readonly Draft[]): number {
  let highestBatch = -1;
  let overtaken = 0;
  for (const draft of drafts) {
    if (draft.duplicate) continue;
    if (draft.batch < highestBatch) overtaken++;
    highestBatch = Math.max(highestBatch, draft.batch);
  }
  return overtaken;
}

export function planDeliveries(items: readonly WebhookItem[], options: PlanOptions): DeliveryPlan {
  const random = createRandom(options.seed);
  const window = Math.max(1, options.reorderWindow);
  const batches = batchItems(items, Math.min(Math.max(1, options.batchSize), MAX_BATCH_SIZE));
  const reordered = displace(batches, random.fork('reorder'), options.reorder, window);
  const dispatched = addDuplicates(reordered, random.fork('duplicates'), options.duplicates, window);
  return {
    deliveries: dispatched.map((draft, index) => ({
      index,
      batch: draft.batch,
      body: draft.body,
      itemCount: draft.itemCount,
      duplicate: draft.duplicate,
    })),
    batchCount: batches.length,
    itemCount: items.length,
    duplicateCount: dispatched.length - batches.length,
    reorderedCount: countOvertaken(reordered),
  };
}
