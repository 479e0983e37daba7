import { describe, expect, it } from 'vitest';
import { type BatchPlan, planBatch } from '../../../src/process/plan-batch.js';
import type { StoredMessage } from '../../../src/store/ports.js';
import { parsedRow } from '../../helpers/parsed-rows.js';
import { cloudWebhook } from '../../helpers/pipeline.js';

const NOW = 1_767_262_500_000;
const WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYEkNPTkZMSUNUMQA=';
const METADATA = { display_phone_number: '4930123456789', phone_number_id: '112233445566778' };

const row = (id: number, body: Buffer) => parsedRow(id, body, NOW);

const message = (body: string, timestamp = '1767262000', extra: Record<string, unknown> = {}) =>
  cloudWebhook('messages', {
    messaging_product: 'whatsapp',
    metadata: METADATA,
    messages: [{ from: '4915112345678', id: WAMID, timestamp, type: 'text', text: { body }, ...extra }],
  });

const echo = (body: string) =>
  cloudWebhook('smb_message_echoes', {
    messaging_product: 'whatsapp',
    metadata: METADATA,
    message_echoes: [
      {
        from: '4930123456789',
        to: '4915112345678',
        id: WAMID,
        timestamp: '1767262000',
        type: 'text',
        text: { body },
      },
    ],
  });

/** Plans the bodies one batch after another, each against the records the previous wrote. */
function planInTurn(bodies: Buffer[]): BatchPlan[] {
  const records = new Map<string, StoredMessage>();
  return bodies.map((body, index) => {
    const plan = planBatch([row(index + 1, body)], records, NOW);
    for (const stored of plan.messages) records.set(stored.id, JSON.parse(JSON.stringify(stored)));
    return plan;
  });
}

describe('a second body under a wamid already seen', () => {
  it('is a message.conflict event carrying the later body, flagged, not a silent duplicate', () => {
    const [first, second] = planInTurn([message('Termin um 9'), message('Termin um 10')]);
    expect(first?.events.map((event) => event.type)).toEqual(['message.received']);
    expect(second?.events.map((event) => event.type)).toEqual(['message.conflict']);
    expect(second?.events[0]?.data).toMatchObject({
      messageId: WAMID,
      of: 'message.received',
      message: { content: { kind: 'text', body: 'Termin um 10' }, flags: ['conflicting_body'] },
    });
    expect(second?.events[0]?.orderingKey).toBe(first?.events[0]?.orderingKey);
    expect(second?.items).toEqual([expect.objectContaining({ conflict: true, duplicate: false })]);
    expect(second?.duplicates).toBe(0);
  });

  it('under another sender time is kept in the history as well', () => {
    const [, second] = planInTurn([message('a'), message('b', '1767262060')]);
    expect(second?.events.map((event) => event.type)).toEqual(['message.conflict']);
    const record = second?.messages[0]?.record as { history: { status: string; contentDigest?: string }[] };
    const { history } = record;
    expect(history.map((entry) => entry.status)).toEqual(['received', 'received']);
    expect(new Set(history.map((entry) => entry.contentDigest)).size).toBe(2);
  });

  it('once recorded, a retry of either body is a plain duplicate, in either order', () => {
    for (const [x, y] of [
      ['a', 'b'],
      ['b', 'a'],
    ] as const) {
      const plans = planInTurn([message(x), message(y), message(y), message(x)]);
      expect(plans.map((plan) => plan.events.map((event) => event.type))).toEqual([
        ['message.received'],
        ['message.conflict'],
        [],
        [],
      ]);
      expect(plans[3]?.items).toEqual([expect.objectContaining({ duplicate: true, conflict: false })]);
    }
    // The record does not depend on which body came first.
    const recordOf = (bodies: string[]) =>
      planInTurn(bodies.map((body) => message(body))).at(-1)?.messages[0]?.record;
    expect(recordOf(['a', 'b'])).toEqual(recordOf(['b', 'a']));
  });

  it('keys beside the content (a new unknown field) do not make a conflict', () => {
    const [, second] = planInTurn([message('a'), message('a', '1767262000', { zz_new: 1 })]);
    expect(second?.events).toEqual([]);
    expect(second?.items).toEqual([expect.objectContaining({ duplicate: true, conflict: false })]);
  });

  it('applies to echoes, and not to reactions, whose emoji may change under one id', () => {
    const [, echoed] = planInTurn([echo('a'), echo('b')]);
    expect(echoed?.events[0]).toMatchObject({ type: 'message.conflict', data: { of: 'message.echo' } });
    const reaction = (emoji: string) =>
      cloudWebhook('messages', {
        metadata: METADATA,
        messages: [
          { from: '1', id: WAMID, timestamp: '5', type: 'reaction', reaction: { message_id: 'm', emoji } },
        ],
      });
    const [, changed] = planInTurn([reaction('👍'), reaction('👎')]);
    expect(changed?.events.map((event) => event.type)).toEqual(['message.received']);
    expect(changed?.items).toEqual([expect.objectContaining({ conflict: false })]);
  });
});
