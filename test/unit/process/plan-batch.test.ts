import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ParsedRow, planBatch, wamidsOf } from '../../../src/process/plan-batch.js';
import { fromStoredRecord } from '../../../src/process/stored-record.js';
import type { InboxFinish, NewEvent, StoredMessage } from '../../../src/store/ports.js';
import { DOCTOR_WAMID_PREFIX } from '../../../src/whatsapp/doctor-ids.js';
import { loadPayload, payloadNames } from '../../fixtures/payloads/index.js';
import { parsedRow as rowOf } from '../../helpers/parsed-rows.js';
import { cloudWebhook, statusWebhook, testWamid } from '../../helpers/pipeline.js';

const NOW = 1_767_262_500_000;
const T0 = 1_767_262_000;

function parsedRow(id: number, body: Buffer): ParsedRow {
  return rowOf(id, body, NOW - 1000);
}

/** Bodies a batch may hold: every fixture, statuses of three messages in any order, a doctor run's, a broken one. */
const WAMIDS = [testWamid('plan', 1), testWamid('plan', 2), `${DOCTOR_WAMID_PREFIX}run1-1`];
const BODIES: Buffer[] = [
  ...payloadNames().map(loadPayload),
  ...WAMIDS.flatMap((wamid) =>
    (['sent', 'delivered', 'read', 'failed'] as const).flatMap((status) =>
      [T0, T0 + 1, T0 + 5].map((timestamp) => statusWebhook([{ wamid, status, timestamp }])),
    ),
  ),
  statusWebhook([
    { wamid: WAMIDS[0] as string, status: 'read', timestamp: T0 + 9 },
    { wamid: WAMIDS[1] as string, status: 'sent', timestamp: T0 + 2 },
  ]),
  Buffer.from('{"object":"whatsapp_business_account","entry":'),
];

/** What a store holds after writing plans, as a processing transaction would. */
interface State {
  records: Map<string, StoredMessage>;
  events: Map<string, NewEvent>;
  delivered: Set<string>;
  finishes: Map<number, InboxFinish>;
  duplicates: number;
}

function emptyState(): State {
  return { records: new Map(), events: new Map(), delivered: new Set(), finishes: new Map(), duplicates: 0 };
}

/** Plans one batch against the state and writes the plan the way the store does (JSON columns, ids once). */
function write(state: State, batch: readonly ParsedRow[]): void {
  const current = new Map<string, StoredMessage>();
  for (const wamid of wamidsOf(batch)) {
    const stored = state.records.get(wamid);
    if (stored !== undefined) current.set(wamid, stored);
  }
  const plan = planBatch(batch, current, NOW);
  for (const finish of plan.finishes) state.finishes.set(finish.id, finish);
  for (const message of plan.messages) {
    state.records.set(message.id, { ...message, record: JSON.parse(JSON.stringify(message.record)) });
  }
  let inserted = 0;
  for (const event of plan.events) {
    if (state.events.has(event.id)) continue;
    state.events.set(event.id, event);
    inserted += 1;
    if (!plan.undelivered.has(event.id)) state.delivered.add(event.id);
  }
  state.duplicates += plan.duplicates + plan.events.length - inserted;
}

function split<T>(items: readonly T[], cuts: readonly number[]): T[][] {
  const at = [...new Set(cuts.map((cut) => cut % (items.length + 1)))].sort((a, b) => a - b);
  const batches: T[][] = [];
  let start = 0;
  for (const end of [...at, items.length]) {
    if (end > start) batches.push(items.slice(start, end));
    start = Math.max(start, end);
  }
  return batches;
}

describe('planBatch', () => {
  it('ends in the same records, events and row outcomes however the same rows are split into batches', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: BODIES.length - 1 }), { minLength: 1, maxLength: 24 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (picks, cuts) => {
          const rows = picks.map((pick, i) => parsedRow(i + 1, BODIES[pick] as Buffer));
          const whole = emptyState();
          write(whole, rows);
          const pieces = emptyState();
          for (const batch of split(rows, cuts)) write(pieces, batch);
          expect(pieces).toStrictEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('quarantines a row it cannot parse and processes the others of the batch', () => {
    const plan = planBatch(
      [parsedRow(1, Buffer.from('not json')), parsedRow(2, loadPayload('status-sent'))],
      new Map(),
      NOW,
    );
    expect(plan.finishes.map(({ id, state }) => [id, state])).toEqual([
      [1, 'quarantined'],
      [2, 'processed'],
    ]);
    expect(plan.finishes[0]?.error).toMatch(/./);
    expect(plan.events).toHaveLength(1);
    expect(plan.messages).toHaveLength(1);
  });

  it('merges a batch into the stored record, keeps its first-seen time and counts what it already held', () => {
    const wamid = WAMIDS[0] as string;
    const first = planBatch(
      [parsedRow(1, statusWebhook([{ wamid, status: 'sent', timestamp: T0 }]))],
      new Map(),
      5,
    );
    const stored = first.messages[0] as StoredMessage;
    const plan = planBatch(
      [
        parsedRow(2, statusWebhook([{ wamid, status: 'sent', timestamp: T0 }])),
        parsedRow(3, statusWebhook([{ wamid, status: 'read', timestamp: T0 + 3 }])),
      ],
      new Map([[wamid, stored]]),
      NOW,
    );
    expect(plan.duplicates).toBe(1);
    expect(plan.items.map((item) => [item.kind, item.duplicate])).toEqual([
      ['status', true],
      ['status', false],
    ]);
    expect(plan.events.map((event) => event.type)).toEqual(['message.status']);
    expect(plan.messages).toHaveLength(1);
    expect(plan.messages[0]).toMatchObject({ id: wamid, status: 'read', firstSeenAt: 5, updatedAt: NOW });
    expect(fromStoredRecord(wamid, plan.messages[0]?.record).history.map((entry) => entry.status)).toEqual([
      'sent',
      'read',
    ]);
  });

  it('quarantines a row touching a record this version cannot read, and leaves the record alone', () => {
    const wamid = WAMIDS[1] as string;
    const unreadable: StoredMessage = {
      id: wamid,
      record: { v: 99, history: [] },
      status: 'sent',
      direction: 'outbound',
      phoneNumberId: null,
      firstSeenAt: 1,
      updatedAt: 1,
    };
    const plan = planBatch(
      [parsedRow(1, statusWebhook([{ wamid, status: 'read', timestamp: T0 }]))],
      new Map([[wamid, unreadable]]),
      NOW,
    );
    expect(plan.finishes).toEqual([
      { id: 1, state: 'quarantined', error: expect.stringMatching(/format 99.*reprocess this row/) },
    ]);
    expect(plan.messages).toEqual([]);
    expect(plan.events).toEqual([]);
  });

  it("keeps the events of wahook doctor's test messages from deliveries, and only those", () => {
    const plan = planBatch(
      [
        parsedRow(1, statusWebhook([{ wamid: WAMIDS[2] as string, status: 'sent', timestamp: T0 }])),
        parsedRow(2, statusWebhook([{ wamid: WAMIDS[0] as string, status: 'sent', timestamp: T0 }])),
      ],
      new Map(),
      NOW,
    );
    expect(plan.events).toHaveLength(2);
    expect([...plan.undelivered]).toEqual([plan.events[0]?.id]);
  });

  it('tells the sender lag of messages and statuses only', () => {
    const plan = planBatch(
      [
        parsedRow(1, statusWebhook([{ wamid: WAMIDS[0] as string, status: 'sent', timestamp: T0 }])),
        parsedRow(2, cloudWebhook('some_future_field', { anything: 1 })),
      ],
      new Map(),
      NOW,
    );
    expect(plan.items).toEqual([
      { kind: 'status', duplicate: false, conflict: false, senderLagMs: NOW - 1000 - T0 * 1000 },
      { kind: 'field', duplicate: false, conflict: false, senderLagMs: null },
    ]);
  });
});
