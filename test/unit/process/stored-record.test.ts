import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../../src/events/record-types.js';
import { completeRecord, type RecordCore } from '../../../src/process/message-record.js';
import { mergeStatus, recordInbound } from '../../../src/process/status-merge.js';
import { fromStoredRecord, storedHistory, toStoredRecord } from '../../../src/process/stored-record.js';
import type { StatusUpdate } from '../../../src/whatsapp/types.js';
import { STATUS_WAMID, statusUpdate } from '../../helpers/status-updates.js';

const WAMID = STATUS_WAMID;
const T0 = 1_767_262_000;

/** With a business-scoped user id too, so the stored counterpart keeps two of its fields. */
const update = (status: string, timestamp: number, extra: Partial<StatusUpdate> = {}) =>
  statusUpdate(status, timestamp, {
    recipient: { ...statusUpdate(status, timestamp).recipient, userId: 'DE.1203984712' },
    ...extra,
  });

/** A read outbound message: sent with pricing and conversation, delivered, read. */
function readMessage(): MessageRecord {
  let record: RecordCore | undefined;
  for (const next of [
    update('sent', T0, {
      pricing: { billable: true, pricingModel: 'PMP', type: 'regular', category: 'utility' },
      conversation: { id: 'c0nv1', expirationTimestamp: T0 + 86_400, originType: 'utility' },
      bizOpaqueCallbackData: 'order:17',
    }),
    update('read', T0 + 30),
    update('delivered', T0 + 2),
  ]) {
    record = mergeStatus(record, next).record;
  }
  if (record === undefined) throw new Error('no updates');
  return completeRecord(record);
}

/** What a store hands back: the JSON text it was given, parsed. */
const throughStore = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('stored message records', () => {
  it('read back as the same record, through JSON', () => {
    const record = readMessage();
    expect(fromStoredRecord(WAMID, throughStore(toStoredRecord(record)))).toEqual(record);
    const inbound = completeRecord(
      recordInbound(undefined, {
        wamid: 'wamid.IN',
        phoneNumberId: '112233445566778',
        timestamp: T0,
        from: { waId: '4915112345678', userId: null, parentUserId: null, name: 'Kim', username: null },
        type: 'text',
      }).record,
    );
    expect(fromStoredRecord('wamid.IN', throughStore(toStoredRecord(inbound)))).toEqual(inbound);
  });

  it('keep the history only, without the empty counterpart fields: less than half the JSON', () => {
    const record = readMessage();
    const stored = JSON.stringify(toStoredRecord(record));
    expect(stored).not.toContain('null');
    expect(stored).not.toContain('"timestamps"');
    expect(stored.length).toBeLessThan(JSON.stringify(record).length / 2);
  });

  it('merge from the stored history as from the whole record', () => {
    const record = readMessage();
    const again = mergeStatus(
      storedHistory(WAMID, throughStore(toStoredRecord(record))),
      update('delivered', T0 + 2),
    );
    expect({ record: completeRecord(again.record), isNew: again.isNew }).toEqual({ record, isNew: false });
  });

  it('written whole by earlier versions are read through their history', () => {
    const record = readMessage();
    const earlier = throughStore(record);
    expect(fromStoredRecord(WAMID, earlier)).toEqual(record);
    expect(storedHistory(WAMID, earlier).history).toEqual(record.history);
  });

  it('that are not records name the wamid', () => {
    expect(() => storedHistory(WAMID, { status: 'read' })).toThrow(
      `the stored record of ${WAMID} has no history`,
    );
    expect(() => storedHistory(WAMID, null)).toThrow(/no history array/);
    expect(() => storedHistory(WAMID, { v: 3, history: [] })).toThrow(
      `the stored record of ${WAMID} has format 3, which this version cannot read`,
    );
  });
});
