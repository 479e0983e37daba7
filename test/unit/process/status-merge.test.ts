import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../src/events/record-types.js';
import { completeRecord, type RecordCore, type RecordHistory } from '../../../src/process/message-record.js';
import { mergeStatus, recordInbound } from '../../../src/process/status-merge.js';
import { fromStoredRecord, toStoredRecord } from '../../../src/process/stored-record.js';
import type { StatusUpdate, WhatsAppError } from '../../../src/whatsapp/types.js';
import { STATUS_WAMID, statusUpdate } from '../../helpers/status-updates.js';

const WAMID = STATUS_WAMID;
const T0 = 1_767_262_000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

const PRICING = { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' };
const ECOSYSTEM_ERROR: WhatsAppError = {
  code: 131049,
  title: 'This message was not delivered to maintain healthy ecosystem engagement.',
  message: 'This message was not delivered to maintain healthy ecosystem engagement.',
  details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  href: null,
};

const update = statusUpdate;

function mergeAll(updates: readonly StatusUpdate[], start?: RecordHistory): MessageRecord {
  let record: RecordHistory | undefined = start;
  let core: RecordCore | undefined;
  for (const u of updates) {
    core = mergeStatus(record, u).record;
    record = core;
  }
  if (core === undefined) throw new Error('no updates');
  return completeRecord(core);
}

describe('mergeStatus', () => {
  it('ends at read with every timestamp when read arrives before sent', () => {
    const record = mergeAll([update('read', T0 + 140), update('delivered', T0 + 3), update('sent', T0)]);
    expect(record.status).toBe('read');
    expect(record.direction).toBe('outbound');
    expect(record.timestamps).toMatchObject({ sent: iso(T0), delivered: iso(T0 + 3), read: iso(T0 + 140) });
    expect(record.history.map((h) => h.status)).toEqual(['sent', 'delivered', 'read']);
  });

  it('keeps delivered null when only read came (delivered and read at once)', () => {
    const record = mergeAll([update('read', T0 + 5), update('sent', T0)]);
    expect(record.status).toBe('read');
    expect(record.timestamps.delivered).toBeNull();
  });

  it('never moves backwards when an earlier status arrives late', () => {
    let record = mergeAll([update('sent', T0), update('read', T0 + 10)]);
    record = mergeAll([update('delivered', T0 + 5), update('sent', T0 + 1)], record);
    expect(record.status).toBe('read');
    // even a delivered stamped after read does not undo the read
    record = mergeAll([update('delivered', T0 + 20)], record);
    expect(record.status).toBe('read');
  });

  it('ranks played (voice notes) above read', () => {
    expect(
      mergeAll([update('played', T0 + 9), update('read', T0 + 10), update('delivered', T0 + 2)]).status,
    ).toBe('played');
  });

  it('ends failed after sent, with errors explained from the catalog', () => {
    const record = mergeAll([
      update('failed', T0 + 300, { errors: [ECOSYSTEM_ERROR], bizOpaqueCallbackData: 'campaign:winter26' }),
      update('sent', T0),
    ]);
    expect(record.status).toBe('failed');
    expect(record.timestamps.failed).toBe(iso(T0 + 300));
    expect(record.errors).toEqual([
      {
        code: 131049,
        title: ECOSYSTEM_ERROR.title,
        message: ECOSYSTEM_ERROR.message,
        details: ECOSYSTEM_ERROR.details,
        href: ECOSYSTEM_ERROR.href,
        explanation: expect.stringContaining('at least 24 hours'),
      },
    ]);
    expect(record.bizOpaqueCallbackData).toBe('campaign:winter26');
  });

  it('lets a delivered with a newer sender timestamp overturn failed', () => {
    const failed = update('failed', T0 + 100, { errors: [ECOSYSTEM_ERROR] });
    expect(mergeAll([update('delivered', T0 + 101), failed]).status).toBe('delivered');
    expect(mergeAll([failed, update('read', T0 + 200), update('delivered', T0 + 101)]).status).toBe('read');
  });

  it('keeps failed over delivered with an older or equal timestamp, and over a newer sent', () => {
    const failed = update('failed', T0 + 100, { errors: [ECOSYSTEM_ERROR] });
    expect(mergeAll([failed, update('delivered', T0 + 99)]).status).toBe('failed');
    expect(mergeAll([failed, update('delivered', T0 + 100)]).status).toBe('failed');
    expect(mergeAll([failed, update('sent', T0 + 500)]).status).toBe('failed');
  });

  it('judges failed by its latest update when it failed more than once', () => {
    const record = mergeAll([
      update('failed', T0 + 10),
      update('delivered', T0 + 20),
      update('failed', T0 + 30),
    ]);
    expect(record.status).toBe('failed');
    expect(record.timestamps.failed).toBe(iso(T0 + 10));
  });

  it('records an unknown status word in history without moving the current status', () => {
    const record = mergeAll([
      update('delivered', T0 + 5),
      update('queued_for_magic', T0 + 50),
      update('warning', T0 + 60),
    ]);
    expect(record.status).toBe('delivered');
    expect(record.history.map((h) => h.status)).toEqual(['delivered', 'queued_for_magic', 'warning']);
  });

  it('uses the latest unknown word as status when nothing else is known', () => {
    expect(mergeAll([update('deleted', T0 + 9), update('constructor', T0 + 3)]).status).toBe('deleted');
  });

  it('reports a duplicate as not new and keeps one history entry', () => {
    const first = mergeStatus(undefined, update('sent', T0));
    const again = mergeStatus(first.record, update('sent', T0));
    expect(first.isNew).toBe(true);
    expect(again.isNew).toBe(false);
    expect(again.record).toStrictEqual(first.record);
  });

  it('keeps the more complete of two updates with the same status and timestamp, in either order', () => {
    const bare = update('sent', T0);
    const priced = update('sent', T0, { pricing: PRICING });
    const a = mergeAll([bare, priced]);
    const b = mergeAll([priced, bare]);
    expect(a).toStrictEqual(b);
    expect(a.pricing).toEqual(PRICING);
    expect(a.history).toHaveLength(1);
  });

  it('fills counterpart fields from any update and takes the first pricing in history order', () => {
    const record = mergeAll([
      update('delivered', T0 + 3, {
        pricing: { ...PRICING, type: 'free_customer_service' },
        recipient: { ...update('x', 0).recipient, userId: 'DE.8841203399120045771' },
      }),
      update('sent', T0, { pricing: PRICING }),
    ]);
    expect(record.pricing).toEqual(PRICING);
    expect(record.counterpart).toMatchObject({ waId: '4915112345678', userId: 'DE.8841203399120045771' });
    expect(record.phoneNumberId).toBe('112233445566778');
  });

  it('dedupes errors by code and details', () => {
    const other = { ...ECOSYSTEM_ERROR, details: 'Another reason' };
    const record = mergeAll([
      update('failed', T0 + 1, { errors: [ECOSYSTEM_ERROR] }),
      update('failed', T0 + 2, { errors: [ECOSYSTEM_ERROR, other] }),
    ]);
    expect(record.errors.map((e) => e.details)).toEqual([ECOSYSTEM_ERROR.details, 'Another reason']);
  });

  it('merges the same after the record went through JSON storage', () => {
    const stored = JSON.parse(
      JSON.stringify(mergeAll([update('sent', T0, { pricing: PRICING })])),
    ) as MessageRecord;
    const next = update('read', T0 + 9);
    expect(mergeStatus(stored, next)).toStrictEqual(
      mergeStatus(mergeAll([update('sent', T0, { pricing: PRICING })]), next),
    );
  });

  it('refuses to merge an update into the record of another message', () => {
    const record = mergeAll([update('sent', T0)]);
    expect(() => mergeStatus(record, { ...update('read', T0 + 1), wamid: 'wamid.other' })).toThrow(
      /wamid.other/,
    );
  });

  it('refuses an update without a usable sender timestamp', () => {
    expect(() => mergeStatus(undefined, update('sent', Number.NaN))).toThrow(/sender timestamp/);
  });

  it('gives the processing transaction the columns it stores beside the history', () => {
    const before = mergeAll([update('delivered', T0 + 3), update('sent', T0, { pricing: PRICING })]);
    const summary = mergeStatus(before, update('failed', T0 + 5, { errors: [ECOSYSTEM_ERROR] }));
    expect(summary.isNew).toBe(true);
    expect(summary.record).toMatchObject({ id: WAMID, direction: 'outbound', status: 'failed' });
    expect(summary.record.phoneNumberId).toBe(update('sent', T0).phoneNumberId);
    expect(summary.record.history.map((entry) => entry.status)).toEqual(['sent', 'delivered', 'failed']);
    // The columns must say what a reader derives from the stored history alone.
    const read = fromStoredRecord(WAMID, JSON.parse(JSON.stringify(toStoredRecord(summary.record))));
    expect([read.status, read.direction, read.phoneNumberId]).toEqual([
      summary.record.status,
      summary.record.direction,
      summary.record.phoneNumberId,
    ]);
    expect(mergeStatus(summary.record, update('failed', T0 + 5)).isNew).toBe(false);
  });

  it('gives an inbound message the columns of a received one', () => {
    const summary = recordInbound(undefined, {
      wamid: 'wamid.IN',
      phoneNumberId: '106540352242922',
      timestamp: T0,
      from: { waId: '16315551181', userId: null, parentUserId: null, name: 'Kerry', username: null },
      type: 'text',
    });
    expect(summary).toMatchObject({
      isNew: true,
      record: { id: 'wamid.IN', direction: 'inbound', status: 'received', phoneNumberId: '106540352242922' },
    });
  });
});

describe('recordInbound', () => {
  const from = {
    waId: '4915112345678',
    userId: 'DE.8841203399120045771',
    parentUserId: null,
    name: 'Lena Vogel',
    username: null,
  };
  const message = {
    wamid: 'wamid.in.1',
    phoneNumberId: '112233445566778',
    timestamp: T0,
    from,
    type: 'text',
  };

  it('records a received inbound message with its sender', () => {
    const { record: core, isNew } = recordInbound(undefined, message);
    const record = completeRecord(core);
    expect(isNew).toBe(true);
    expect(record).toMatchObject({
      id: 'wamid.in.1',
      direction: 'inbound',
      status: 'received',
      messageType: 'text',
      phoneNumberId: '112233445566778',
      counterpart: { ...from, recipientId: null },
      timestamps: { received: iso(T0), sent: null },
    });
  });

  it('reports the same inbound message again as not new', () => {
    const first = recordInbound(undefined, message);
    const again = recordInbound(first.record, message);
    expect(again.isNew).toBe(false);
    expect(again.record).toStrictEqual(first.record);
  });
});
