import { describe, expect, it } from 'vitest';
import type { DeliveryClaim } from '../../../../src/store/delivery-ports.js';
import { MAX_BATCH_BYTES, pickClaim } from '../../../../src/store/shared/delivery-batches.js';
import type { CandidateRecord } from '../../../../src/store/shared/delivery-rows.js';

/** How one claim cuts a batched subscription's due rows into batches (the store contract runs the SQL). */
const NOW = 1_767_261_600_000;

function candidate(id: number, overrides: Partial<CandidateRecord> = {}): CandidateRecord {
  return {
    delivery_id: id,
    subscription_id: 'sub',
    lane: 'live',
    attempts: 0,
    sequence: 1,
    next_attempt_at: NOW,
    delivery_created_at: NOW,
    url: 'https://erp.example.com/hooks',
    secret: 'whsec_x',
    headers: '{}',
    batch_id: null,
    batch_max_events: 10,
    batch_max_wait_ms: 0,
    seq: id,
    id: `evt_${id}`,
    type: 'message.status',
    schema_version: 1,
    created_at: NOW,
    ordering_key: `k${id}`,
    phone_number_id: null,
    data: '{}',
    ...overrides,
  };
}

function claim(overrides: Partial<DeliveryClaim> = {}): DeliveryClaim {
  return {
    owner: 'a',
    now: NOW,
    leaseMs: 1_000,
    lane: 'live',
    limit: 100,
    slots: new Map(),
    defaultSlots: 100,
    ...overrides,
  };
}

let counter = 0;
const ids = () => `bat_${++counter}`;
/** The picked deliveries' ids, grouped by batch (a single delivery alone), in order. */
function groups(picked: ReturnType<typeof pickClaim>): number[][] {
  const byBatch = new Map<string, number[]>();
  for (const entry of picked) {
    const key = entry.batchId ?? `single:${entry.record.delivery_id}`;
    byBatch.set(key, [...(byBatch.get(key) ?? []), entry.record.delivery_id]);
  }
  return [...byBatch.values()];
}

describe('pickClaim', () => {
  it('closes a batch at MAX_BATCH_BYTES of data; an event larger than that goes alone', () => {
    const big = 'x'.repeat(MAX_BATCH_BYTES / 2);
    const huge = 'x'.repeat(MAX_BATCH_BYTES + 1);
    const rows = [
      candidate(1, { data: big }),
      candidate(2, { data: big }),
      candidate(3, { data: huge }),
      candidate(4),
      candidate(5),
    ];
    expect(groups(pickClaim(rows, claim(), ids))).toEqual([[1], [2], [3], [4, 5]]);
  });

  it('keeps a retried batch apart from new rows, under its stored id', () => {
    const rows = [
      candidate(1),
      candidate(2, { batch_id: 'bat_old', attempts: 1 }),
      candidate(3),
      candidate(4, { batch_id: 'bat_old', attempts: 1 }),
    ];
    const picked = pickClaim(rows, claim(), ids);
    expect(groups(picked)).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(picked.filter((entry) => entry.retried).map((entry) => entry.batchId)).toEqual([
      'bat_old',
      'bat_old',
    ]);
  });

  it('hands out rows of unbatched subscriptions and of the replay lane one by one', () => {
    const rows = [candidate(1, { batch_max_events: null }), candidate(2, { batch_max_events: null })];
    expect(pickClaim(rows, claim(), ids).map((entry) => entry.batchId)).toEqual([null, null]);
    const replay = [candidate(3), candidate(4)];
    expect(pickClaim(replay, claim({ lane: 'replay' }), ids).map((entry) => entry.batchId)).toEqual([
      null,
      null,
    ]);
  });
});
