import { describe, expect, it } from 'vitest';
import { buildFixture, FIXTURE_NAMES } from '../../../src/simulate/fixtures.js';
import { serializeMetaBytes, signMeta } from '../../../src/simulate/meta-json.js';
import { INBOUND_KINDS } from '../../../src/simulate/payloads/inbound.js';
import { createScenario } from '../../../src/simulate/scenario.js';
import { createTraffic } from '../../../src/simulate/traffic.js';
import { cloudShapeProblems } from './cloud-shape.js';
import { verifySignature } from './fake-receiver.js';

const SECRET = 'payload_test_secret';
const NOW = 1767261600;

type Obj = Record<string, unknown>;

function itemsOf(payload: Obj, array: 'messages' | 'statuses'): Obj[] {
  const entries = payload.entry as { changes: { value: Obj }[] }[];
  return entries.flatMap((entry) => entry.changes.flatMap((change) => (change.value[array] as Obj[]) ?? []));
}

function valuesOf(payload: Obj): Obj[] {
  const entries = payload.entry as { changes: { value: Obj }[] }[];
  return entries.flatMap((entry) => entry.changes.map((change) => change.value));
}

describe('payload builders', () => {
  it.each(FIXTURE_NAMES)('fixture %s is ASCII JSON in Cloud API shape and its signature verifies', (name) => {
    const { payload } = buildFixture(name, { seed: 'fixtures', now: NOW });
    const body = serializeMetaBytes(payload);
    expect([...body].every((byte) => byte < 0x80)).toBe(true);
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    expect(cloudShapeProblems(parsed)).toEqual([]);
    expect(verifySignature(body, signMeta(body, SECRET), SECRET)).toBe(true);
  });

  it('builds every inbound kind and every status flow in Cloud shape within a scenario', () => {
    const scenario = createScenario({
      seed: 'all-kinds',
      messages: 300,
      inbound: 400,
      startTime: NOW,
      batchSize: 7,
      duplicates: 0,
      reorder: 0,
      reorderWindow: 8,
    });
    const payloads = scenario.deliveries.map((delivery) => JSON.parse(delivery.body.toString('utf8')) as Obj);
    for (const payload of payloads) expect(cloudShapeProblems(payload)).toEqual([]);
    const messages = payloads.flatMap((payload) => itemsOf(payload, 'messages'));
    const statuses = payloads.flatMap((payload) => itemsOf(payload, 'statuses'));
    const types = new Set(messages.map((message) => message.type));
    for (const type of ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts']) {
      expect(types).toContain(type);
    }
    for (const type of ['interactive', 'button', 'reaction', 'order', 'system', 'unsupported', 'revoke']) {
      expect(types).toContain(type);
    }
    const interactive = new Set(
      messages.flatMap((m) => (m.type === 'interactive' ? [(m.interactive as Obj).type] : [])),
    );
    expect(interactive).toEqual(new Set(['button_reply', 'list_reply', 'nfm_reply']));
    const voice = messages.filter((m) => m.type === 'audio').map((m) => (m.audio as Obj).voice);
    expect(new Set(voice)).toEqual(new Set([true, false]));
    expect(messages.some((m) => m.referral !== undefined)).toBe(true);
    expect(messages.some((m) => (m.context as Obj | undefined)?.forwarded === true)).toBe(true);
    expect(messages.some((m) => typeof (m.context as Obj | undefined)?.id === 'string')).toBe(true);
    expect(messages.some((m) => m.type === 'reaction' && (m.reaction as Obj).emoji === undefined)).toBe(true);
    expect(new Set(statuses.map((status) => status.status))).toEqual(
      new Set(['sent', 'delivered', 'read', 'failed', 'played']),
    );
    expect(INBOUND_KINDS.length).toBeGreaterThan(18);
  });

  it('gives failed statuses real error codes and no contacts or pricing', () => {
    const traffic = createTraffic({ seed: 'failures', messages: 200, inbound: 0, startTime: NOW });
    const failed = traffic.filter((item) => item.status === 'failed');
    const codes = new Set(failed.map((item) => ((item.object.errors as Obj[])[0] as Obj).code));
    expect(codes).toEqual(new Set([131026, 131047, 131049, 130429]));
    for (const item of failed) {
      expect(item.contact).toBeNull();
      expect(item.object.pricing).toBeUndefined();
    }
  });

  it('prices a message on sent and on exactly one of delivered or read', () => {
    const traffic = createTraffic({ seed: 'pricing', messages: 150, inbound: 0, startTime: NOW });
    const byWamid = new Map<string, Obj[]>();
    for (const item of traffic) byWamid.set(item.wamid, [...(byWamid.get(item.wamid) ?? []), item.object]);
    for (const statuses of byWamid.values()) {
      if (statuses.some((status) => status.recipient_type === 'group')) continue;
      const sent = statuses.find((status) => status.status === 'sent');
      if (sent) expect(sent.pricing).toMatchObject({ pricing_model: 'PMP' });
      const pricedLater = statuses.filter(
        (status) =>
          (status.status === 'delivered' || status.status === 'read') && status.pricing !== undefined,
      );
      const reachedUser = statuses.some(
        (status) => status.status === 'delivered' || status.status === 'read',
      );
      expect(pricedLater.length).toBe(reachedUser ? 1 : 0);
    }
  });

  it('addresses BSUID-only recipients without a phone number and group sends by group id', () => {
    const traffic = createTraffic({ seed: 'recipients', messages: 200, inbound: 100, startTime: NOW });
    const statuses = traffic.filter((item) => item.status !== null).map((item) => item.object);
    const bsuidOnly = statuses.filter((status) => status.recipient_id === undefined);
    expect(bsuidOnly.length).toBeGreaterThan(0);
    for (const status of bsuidOnly) expect(status.recipient_user_id).toMatch(/^[A-Z]{2}\.\d+$/);
    const group = statuses.filter((status) => status.recipient_type === 'group');
    expect(group.length).toBeGreaterThan(0);
    expect(group.some((status) => typeof status.recipient_participant_id === 'string')).toBe(true);
    const inboundWithoutPhone = traffic.filter(
      (item) => item.status === null && item.object.from === undefined,
    );
    expect(inboundWithoutPhone.length).toBeGreaterThan(0);
    for (const item of inboundWithoutPhone) {
      expect(item.object.from_user_id).toBeDefined();
      expect((item.contact?.profile as Obj | undefined)?.username).toMatch(/^@/);
    }
  });

  it('makes real-looking wamids, unique within a run and different per seed', () => {
    const one = createTraffic({ seed: 'a', messages: 500, inbound: 500, startTime: NOW });
    const wamids = new Set(one.map((item) => item.wamid));
    const messageWamids = one.filter((item) => item.status === null).map((item) => item.wamid);
    expect(new Set(messageWamids).size).toBe(messageWamids.length);
    for (const wamid of wamids) {
      expect(wamid).toMatch(/^wamid\.HBg[A-Za-z0-9+/]+=*$/);
      expect(Buffer.from(wamid.slice('wamid.'.length), 'base64')[0]).toBe(0x1c);
    }
    const other = createTraffic({ seed: 'b', messages: 500, inbound: 500, startTime: NOW });
    expect(other.some((item) => wamids.has(item.wamid))).toBe(false);
  });

  it('is deterministic from the seed', () => {
    const options = {
      seed: 'same',
      messages: 40,
      inbound: 40,
      startTime: NOW,
      batchSize: 3,
      duplicates: 0.2,
      reorder: 0.3,
      reorderWindow: 5,
    };
    const bodies = (scenario: ReturnType<typeof createScenario>) =>
      scenario.deliveries.map((delivery) => delivery.body.toString('utf8'));
    expect(bodies(createScenario(options))).toEqual(bodies(createScenario(options)));
    expect(bodies(createScenario({ ...options, seed: 'other' }))).not.toEqual(
      bodies(createScenario(options)),
    );
  });

  it('batches several entries and changes into one POST like Meta', () => {
    const scenario = createScenario({
      seed: 'batches',
      messages: 100,
      inbound: 100,
      startTime: NOW,
      batchSize: 50,
      duplicates: 0,
      reorder: 0,
      reorderWindow: 1,
    });
    expect(scenario.deliveries.length).toBe(Math.ceil(scenario.itemCount / 50));
    const first = JSON.parse(scenario.deliveries[0]?.body.toString('utf8') ?? '') as Obj;
    expect((first.entry as unknown[]).length).toBe(2);
    expect(valuesOf(first).length).toBeGreaterThan(2);
    const carried = scenario.deliveries.reduce((sum, delivery) => sum + delivery.itemCount, 0);
    expect(carried).toBe(scenario.itemCount);
  });
});
