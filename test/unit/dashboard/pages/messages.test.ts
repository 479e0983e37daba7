import { describe, expect, it } from 'vitest';
import { searchTarget, timelineOf } from '../../../../src/dashboard/pages/messages.js';
import { completeRecord, summarizeHistory } from '../../../../src/process/message-record.js';
import type { StoredEvent } from '../../../../src/store/ports.js';

function statusEvent(seq: number, status: string, timestamp: string, currentStatus: string): StoredEvent {
  return {
    seq,
    id: `evt_${seq}`,
    type: 'message.status',
    schemaVersion: 1,
    createdAt: 1_000 * seq,
    orderingKey: 'msg:wamid.X',
    phoneNumberId: null,
    data: { status, timestamp, currentStatus },
  };
}

describe('the message search box', () => {
  it('tells a wamid, a phone number in any format and a BSUID apart', () => {
    expect(searchTarget('wamid.HBgL')).toEqual({ wamid: 'wamid.HBgL' });
    expect(searchTarget(' +44 (7700) 900-123 ')).toEqual({ counterpart: '447700900123' });
    expect(searchTarget('US.13491208655302741918')).toEqual({ counterpart: 'US.13491208655302741918' });
    expect(searchTarget('  ')).toBeUndefined();
  });
});

describe('the status timeline', () => {
  const record = completeRecord(
    summarizeHistory('wamid.X', [
      { status: 'read', timestamp: '2026-01-01T10:00:10.000Z' },
      { status: 'delivered', timestamp: '2026-01-01T10:00:05.000Z' },
      { status: 'sent', timestamp: '2026-01-01T10:00:00.000Z' },
    ]),
  );

  it('names updates that arrived out of order and downgrades that changed nothing', () => {
    const rows = timelineOf(record, [
      statusEvent(1, 'sent', '2026-01-01T10:00:00.000Z', 'sent'),
      statusEvent(2, 'read', '2026-01-01T10:00:10.000Z', 'read'),
      statusEvent(3, 'delivered', '2026-01-01T10:00:05.000Z', 'read'),
    ]);
    expect(rows.map((row) => [row.status, row.effective])).toEqual([
      ['sent', 'sent'],
      ['read', 'read'],
      ['delivered', 'read'],
    ]);
    expect(rows[0]?.notes).toEqual([]);
    expect(rows[1]?.notes).toEqual([]);
    expect(rows[2]?.notes).toEqual([
      'arrived out of order (older than an update already received)',
      'ignored downgrade: read stays (a message never goes back to delivered)',
    ]);
    expect(rows[2]?.receivedAt).toBe(3_000);
  });

  it('falls back to the stored history, with sender times only, when no event is kept', () => {
    const rows = timelineOf(record, []);
    expect(rows.map((row) => row.status)).toEqual(['sent', 'delivered', 'read']);
    expect(rows.every((row) => row.receivedAt === null && row.notes.length === 0)).toBe(true);
  });
});
