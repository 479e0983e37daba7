import { describe, expect, it } from 'vitest';
import { median } from '../../../src/doctor/latency.js';
import {
  createLargeBatchBody,
  createPayloadRun,
  createStatusBody,
  createTextMessageBody,
} from '../../../src/doctor/payloads.js';
import { DOCTOR_WAMID_PREFIX } from '../../../src/whatsapp/doctor-ids.js';

interface Change {
  value: { messages?: { id: string; text?: { body: string } }[]; statuses?: { id: string }[] };
}
interface Envelope {
  object: string;
  entry: { changes: Change[] }[];
}

function parse(body: Buffer): Envelope {
  return JSON.parse(body.toString('utf8')) as Envelope;
}

function ids(envelope: Envelope): string[] {
  return envelope.entry.flatMap((entry) =>
    entry.changes.flatMap((change) => [
      ...(change.value.messages ?? []).map((m) => m.id),
      ...(change.value.statuses ?? []).map((s) => s.id),
    ]),
  );
}

const run = createPayloadRun(Date.UTC(2026, 0, 1));

describe('doctor test payloads', () => {
  it('writes the text message as Meta does: ASCII bytes with lowercase \\u escapes and an emoji as a surrogate pair', () => {
    const body = createTextMessageBody(run);
    const raw = body.toString('utf8');
    expect([...body].every((byte) => byte < 0x80)).toBe(true);
    expect(raw).toContain('Gr\\u00fc\\u00dfe');
    expect(raw).toContain('\\ud83d\\udc4b');
    expect(raw).toContain('1\\/1');
    const text = parse(body).entry[0]?.changes[0]?.value.messages?.[0]?.text?.body;
    expect(text).toContain('Grüße');
    expect(text).toContain('👋');
  });

  it('marks every test message and status with a wamid.DOCTOR- id unique to the run', () => {
    const other = createPayloadRun(Date.UTC(2026, 0, 1));
    const all = [
      ...ids(parse(createTextMessageBody(run))),
      ...ids(parse(createStatusBody(run, 'latency-1'))),
    ];
    expect(all).toHaveLength(2);
    for (const id of all) expect(id.startsWith(`${DOCTOR_WAMID_PREFIX}${run.runId}-`)).toBe(true);
    expect(other.runId).not.toBe(run.runId);
  });

  it('builds a Cloud API batch of at least 3 MiB with at most 1000 updates and texts within the 4096-character limit', () => {
    const target = 3 * 1024 * 1024;
    const body = createLargeBatchBody(run, target);
    expect(body.length).toBeGreaterThanOrEqual(target);
    expect(body.length).toBeLessThan(target + 8_000);
    const envelope = parse(body);
    expect(envelope.object).toBe('whatsapp_business_account');
    const updateIds = ids(envelope);
    expect(updateIds.length).toBeLessThanOrEqual(1000);
    expect(new Set(updateIds).size).toBe(updateIds.length);
    for (const id of updateIds) expect(id.startsWith(DOCTOR_WAMID_PREFIX)).toBe(true);
    const texts = envelope.entry.flatMap((e) => e.changes.flatMap((c) => c.value.messages ?? []));
    for (const message of texts) expect(message.text?.body.length ?? 0).toBeLessThanOrEqual(4096);
  });

  it('takes the median of odd and even sample counts', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([40, 10, 20, 30])).toBe(25);
  });
});
