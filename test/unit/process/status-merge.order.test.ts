import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../../src/events/ids.js';
import type { MessageRecord } from '../../../src/events/record-types.js';
import { completeRecord } from '../../../src/process/message-record.js';
import { mergeStatus } from '../../../src/process/status-merge.js';
import { fromStoredRecord, storedHistory, toStoredRecord } from '../../../src/process/stored-record.js';
import type { Pricing, StatusUpdate, WhatsAppError } from '../../../src/whatsapp/types.js';

const WAMIDS = ['wamid.A', 'wamid.B', 'wamid.C'];
const T0 = 1_767_262_000;
const STATUSES = ['sent', 'delivered', 'read', 'played', 'failed', 'deleted', 'warning', 'queued'];

const PRICINGS: Pricing[] = [
  { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' },
  { billable: false, pricingModel: 'PMP', type: 'free_customer_service', category: 'service' },
];
const ERRORS: WhatsAppError[] = [
  { code: 131049, title: 'Not delivered', message: 'Not delivered', details: 'ecosystem', href: null },
  { code: 131026, title: 'Message undeliverable', message: null, details: null, href: null },
  { code: 999_001, title: null, message: null, details: 'never heard of it', href: null },
];

/** A realistic status item; errors only on failed, as WhatsApp sends them. */
const updateArb = fc
  .record({
    wamid: fc.constantFrom(...WAMIDS),
    status: fc.constantFrom(...STATUSES),
    // a narrow window, so the same (status, timestamp) with different extra data is common
    offset: fc.integer({ min: 0, max: 6 }),
    pricing: fc.option(fc.constantFrom(...PRICINGS), { nil: null }),
    errors: fc.subarray(ERRORS),
    waId: fc.constantFrom(null, '4915112345678'),
    userId: fc.constantFrom(null, 'DE.8841203399120045771'),
    name: fc.constantFrom(null, 'Lena Vogel', 'Lena'),
    biz: fc.constantFrom(null, 'order:8812', 'order:8813'),
    conversation: fc.option(fc.constantFrom('c1', 'c2'), { nil: null }),
  })
  .map(
    (g): StatusUpdate => ({
      wamid: g.wamid,
      status: g.status,
      timestamp: T0 + g.offset,
      phoneNumberId: '112233445566778',
      recipient: {
        waId: g.waId,
        userId: g.userId,
        parentUserId: null,
        name: g.name,
        username: null,
        recipientId: g.waId,
        recipientType: null,
        participantId: null,
        participantUserId: null,
        participantParentUserId: null,
        participantName: null,
        participantUsername: null,
      },
      bizOpaqueCallbackData: g.biz,
      pricing: g.pricing,
      conversation:
        g.conversation === null
          ? null
          : { id: g.conversation, expirationTimestamp: null, originType: 'utility' },
      errors: g.status === 'failed' ? g.errors : [],
    }),
  );

/** Updates with exact duplicates inserted, then shuffled into an arbitrary arrival order. */
const arrivalsArb = fc
  .record({
    updates: fc.array(updateArb, { minLength: 1, maxLength: 14 }),
    duplicates: fc.array(fc.nat(), { maxLength: 6 }),
  })
  .chain(({ updates, duplicates }) => {
    const withDuplicates = [
      ...updates,
      ...duplicates.map((i) => updates[i % updates.length] as StatusUpdate),
    ];
    return fc.record({
      canonical: fc.constant(updates),
      arrivals: fc.shuffledSubarray(withDuplicates, {
        minLength: withDuplicates.length,
        maxLength: withDuplicates.length,
      }),
    });
  });

interface Folded {
  records: Map<string, MessageRecord>;
  newCount: Map<string, number>;
}

/**
 * Merges the updates in order. `throughStorage` keeps each record the way the store does between
 * updates (stored-record.ts's format, read back from JSON with its keys reordered) and merges the
 * next update into the history read from that.
 */
function fold(updates: readonly StatusUpdate[], throughStorage = false): Folded {
  const records = new Map<string, MessageRecord>();
  const stored = new Map<string, unknown>();
  const newCount = new Map<string, number>();
  for (const u of updates) {
    const before = throughStorage
      ? stored.has(u.wamid)
        ? storedHistory(u.wamid, stored.get(u.wamid))
        : undefined
      : records.get(u.wamid);
    const { record, isNew } = mergeStatus(before, u);
    records.set(u.wamid, completeRecord(record));
    if (throughStorage) stored.set(u.wamid, reorderedCopy(toStoredRecord(record)));
    if (isNew) newCount.set(u.wamid, (newCount.get(u.wamid) ?? 0) + 1);
  }
  if (throughStorage) for (const [wamid, value] of stored) records.set(wamid, fromStoredRecord(wamid, value));
  return { records, newCount };
}

/** What a JSON column may hand back: same values, keys in another order. */
function reorderedCopy<T>(value: T): T {
  const reverse = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reverse);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, inner]) => [k, reverse(inner)]),
    );
  };
  return reverse(JSON.parse(JSON.stringify(value))) as T;
}

function distinctKeys(updates: readonly StatusUpdate[], wamid: string): number {
  return new Set(updates.filter((u) => u.wamid === wamid).map((u) => `${u.status}@${u.timestamp}`)).size;
}

describe('status merge order independence', () => {
  it('merges statuses in any arrival order, with duplicates, into the same record per wamid', () => {
    fc.assert(
      fc.property(arrivalsArb, ({ canonical, arrivals }) => {
        const expected = fold(canonical);
        const actual = fold(arrivals);
        expect([...actual.records.keys()].sort()).toEqual([...expected.records.keys()].sort());
        for (const [wamid, record] of expected.records) {
          expect(actual.records.get(wamid)).toStrictEqual(record);
          expect(actual.newCount.get(wamid)).toBe(distinctKeys(canonical, wamid));
          expect(record.history).toHaveLength(distinctKeys(canonical, wamid));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('builds the same record when it is stored and read back between updates', () => {
    fc.assert(
      fc.property(arrivalsArb, ({ canonical, arrivals }) => {
        const expected = fold(canonical);
        const stored = fold(arrivals, true);
        for (const [wamid, record] of expected.records) {
          expect(canonicalJson(stored.records.get(wamid))).toBe(canonicalJson(record));
        }
        expect(stored.newCount).toEqual(expected.newCount);
      }),
      { numRuns: 1000 },
    );
  });
});
