import { describe, expect, it } from 'vitest';
import { parseMessageView } from '../../../src/cli/format/message-view.js';
import { alignColumns, renderTable, truncate } from '../../../src/cli/format/table.js';
import { formatOffset, renderMessageTimeline } from '../../../src/cli/format/timeline.js';
import { isWahookError } from '../../../src/errors.js';

describe('table rendering', () => {
  it('pads columns by code points so accented and dashed cells stay aligned', () => {
    const lines = renderTable(
      ['code', 'title'],
      [
        ['1000–1031', 'Zählfehler'],
        ['7', 'x'],
      ],
    );
    expect(lines).toEqual(['code       title', '1000–1031  Zählfehler', '7          x']);
  });

  it('leaves no trailing spaces when the last cell is empty', () => {
    expect(
      alignColumns([
        ['a', ''],
        ['bbb', 'c'],
      ]),
    ).toEqual(['a', 'bbb  c']);
  });

  it('truncates with an ellipsis only when the text is longer than the limit', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abcd', 4)).toBe('abcd');
  });
});

describe('timeline rendering', () => {
  it.each([
    [0, '+0s'],
    [5_000, '+5s'],
    [65_000, '+1m05s'],
    [3_600_000 + 5 * 60_000, '+1h05m'],
    [3 * 86_400_000 + 4 * 3_600_000, '+3d04h'],
    [-2_000, '-2s'],
  ])('writes an offset of %i ms as %s', (ms, text) => {
    expect(formatOffset(ms)).toBe(text);
  });

  it('notes that WhatsApp sends no delivered update when a message is read at once', () => {
    const view = parseMessageView(
      {
        id: 'wamid.X',
        direction: 'outbound',
        status: 'read',
        history: [
          { status: 'sent', timestamp: '2026-01-01T10:00:00.000Z' },
          { status: 'read', timestamp: '2026-01-01T10:00:02.000Z' },
        ],
      },
      'test',
    );
    const text = renderMessageTimeline(view, { showPhone: false }).join('\n');
    expect(text).toContain('No delivered update');
    expect(text).not.toContain('Still at sent');
  });

  it('prints an inbound message with its sender as "from"', () => {
    const view = parseMessageView(
      {
        id: 'wamid.IN',
        direction: 'inbound',
        status: 'received',
        messageType: 'text',
        counterpart: { waId: '4915112345678', name: 'Lena Vogel' },
        history: [{ status: 'received', timestamp: '2026-01-01T10:00:00.000Z', messageType: 'text' }],
      },
      'test',
    );
    const text = renderMessageTimeline(view, { showPhone: false }).join('\n');
    expect(text).toMatch(/from +wa_id 49151\*+78, "Lena Vogel"/);
    expect(text).toMatch(/type +text/);
  });

  it('prints why a record could not be read when the server sent only its stored columns', () => {
    const view = parseMessageView(
      {
        id: 'wamid.X',
        direction: 'outbound',
        status: 'sent',
        phoneNumberId: '106540352242922',
        record_error: 'the stored record of wamid.X has format 99, which this version cannot read',
      },
      'test',
    );
    const text = renderMessageTimeline(view, { showPhone: false }).join('\n');
    expect(text).toMatch(/record unreadable +the stored record of wamid.X has format 99/);
    // Without its history the record gives no grounds for advice on a stuck message.
    expect(text).toContain('(unavailable: the record could not be read)');
    expect(text).not.toContain('Still at sent');
    expect(text).not.toContain('no updates recorded');
  });

  it('refuses message JSON without the fields a timeline needs, naming where it came from', () => {
    let caught: unknown;
    try {
      parseMessageView({ id: 'wamid.X' }, 'http://example.test');
    } catch (err) {
      caught = err;
    }
    expect(isWahookError(caught)).toBe(true);
    expect((caught as Error).message).toContain('http://example.test');
    expect((caught as Error).message).toContain('direction');
  });
});
