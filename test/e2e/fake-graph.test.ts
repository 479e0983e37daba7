import { afterEach, describe, expect, it } from 'vitest';
import type { RunningFakeGraph } from '../../src/fake-graph/server.js';
import {
  FAKE_TOKEN,
  PHONE_NUMBER_ID,
  startFakeGraph,
  startRecordingReceiver,
} from '../helpers/fake-graph.js';
import { httpRequest } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fakeWith(options: Parameters<typeof startFakeGraph>[0] = {}) {
  const receiver = await startRecordingReceiver();
  cleanups.push(receiver.close);
  const graph = await startFakeGraph({ webhookUrl: receiver.url, ...options });
  cleanups.push(graph.close);
  return { graph, receiver };
}

function post(graph: RunningFakeGraph, body: unknown, options: { token?: string; path?: string } = {}) {
  return httpRequest(`${graph.url}${options.path ?? `/v25.0/${PHONE_NUMBER_ID}/messages`}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token ?? FAKE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const template = (to: string, extra: Record<string, unknown> = {}) => ({
  messaging_product: 'whatsapp',
  to,
  type: 'template',
  template: { name: 'hello_world', language: { code: 'en_US' } },
  ...extra,
});

interface ErrorBody {
  error: { code: number; message: string; type: string; fbtrace_id: string; error_data: { details: string } };
}

describe('fake Graph API: requests and answers', () => {
  it("answers an accepted template with Meta's shape, the input echoed and a unique wamid", async () => {
    const { graph } = await fakeWith();
    const first = await post(graph, template('+972 50-437-0045'));
    const second = await post(graph, template('+972504370045'));
    expect(first.status).toBe(200);
    const body = first.json<{
      contacts: { input: string; wa_id: string }[];
      messages: { id: string; message_status: string }[];
    }>();
    expect(body.contacts).toEqual([{ input: '+972 50-437-0045', wa_id: '972504370045' }]);
    expect(body.messages[0]!.id).toMatch(/^wamid\.[A-Za-z0-9+/=]+$/);
    expect(body.messages[0]!.message_status).toBe('accepted');
    expect(second.json<{ messages: { id: string }[] }>().messages[0]!.id).not.toBe(body.messages[0]!.id);
  });

  it('refuses a bad token with 190 and HTTP 401, an unknown number with 100/33', async () => {
    const { graph } = await fakeWith();
    const badToken = await post(graph, template('+972504370045'), { token: 'nope' });
    expect(badToken.status).toBe(401);
    expect(badToken.json<ErrorBody>().error.code).toBe(190);
    const unknown = await post(graph, template('+972504370045'), { path: '/v25.0/999/messages' });
    expect(unknown.json<ErrorBody & { error: { error_subcode: number } }>().error).toMatchObject({
      code: 100,
      error_subcode: 33,
    });
  });

  it('validates: 131008 for a missing part, 100 for unknown or over-long fields, 132001/132000 for templates', async () => {
    const { graph } = await fakeWith({ openWindows: true });
    const codeOf = async (body: unknown) => (await post(graph, body)).json<ErrorBody>().error;
    expect((await codeOf({ messaging_product: 'whatsapp', type: 'text', text: { body: 'hi' } })).code).toBe(
      131008,
    );
    expect((await codeOf({ messaging_product: 'whatsapp', to: '+4915112345678', type: 'image' })).code).toBe(
      131008,
    );
    expect(
      (
        await codeOf({
          messaging_product: 'whatsapp',
          to: '+4915112345678',
          colour: 'red',
          text: { body: 'x' },
        })
      ).code,
    ).toBe(100);
    const long = await codeOf({
      messaging_product: 'whatsapp',
      to: '+4915112345678',
      type: 'text',
      text: { body: 'x'.repeat(4097) },
    });
    expect(long.code).toBe(100);
    expect(long.message).toMatch(/^\(#100\) /);
    expect(long.type).toBe('OAuthException');
    expect(long.fbtrace_id.length).toBeGreaterThan(10);
    expect(
      (await codeOf(template('+4915112345678', { template: { name: 'nope', language: { code: 'en_US' } } })))
        .code,
    ).toBe(132001);
    const params = await codeOf(
      template('+4915112345678', {
        template: {
          name: 'hina_invitation',
          language: { code: 'he' },
          components: [{ type: 'body', parameters: [{ type: 'text', text: 'Dana' }] }],
        },
      }),
    );
    expect(params.code).toBe(132000);
    const good = await post(
      graph,
      template('+4915112345678', {
        template: {
          name: 'order_update',
          language: { code: 'en_US' },
          components: [
            {
              type: 'body',
              parameters: [
                { type: 'text', text: 'A1' },
                { type: 'text', text: 'today' },
              ],
            },
            { type: 'button', sub_type: 'url', index: 0, parameters: [{ type: 'text', text: 'A1' }] },
          ],
        },
      }),
    );
    expect(good.status).toBe(200);
  });

  it('uses a BSUID verbatim and answers user_id without wa_id', async () => {
    const { graph } = await fakeWith();
    const response = await post(graph, {
      messaging_product: 'whatsapp',
      recipient: 'US.13491208655302741918',
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
    expect(response.json<{ contacts: unknown[] }>().contacts).toEqual([
      { input: 'US.13491208655302741918', user_id: 'US.13491208655302741918' },
    ]);
  });

  it('maps wa_ids the way older accounts have them when asked: Brazil without the 9, Mexico with 521', async () => {
    const { graph } = await fakeWith({ legacyWaIds: true });
    const br = await post(graph, template('+5511987654321'));
    const mx = await post(graph, template('+525512345678'));
    expect(br.json<{ contacts: { wa_id: string }[] }>().contacts[0]!.wa_id).toBe('551187654321');
    expect(mx.json<{ contacts: { wa_id: string }[] }>().contacts[0]!.wa_id).toBe('5215512345678');
  });

  it("serves 360dialog's path with the D360-API-KEY header", async () => {
    const { graph } = await fakeWith({ d360Keys: { 'key-1': PHONE_NUMBER_ID } });
    const response = await httpRequest(`${graph.url}/messages`, {
      method: 'POST',
      headers: { 'd360-api-key': 'key-1', 'content-type': 'application/json' },
      body: JSON.stringify(template('+4915112345678')),
    });
    expect(response.status).toBe(200);
  });
});

describe('fake Graph API: limits and the window on an injected clock', () => {
  it("refuses past the number's throughput with 130429 until the clock moves on", async () => {
    let now = 1_800_000_000_000;
    const { graph } = await fakeWith({ clock: { now: () => now }, throughput: 3, webhookUrl: undefined });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post(graph, template(`+49151123456${70 + i}`))).status);
    expect(codes).toEqual([200, 200, 200, 400]);
    const refused = await post(graph, template('+4915112345699'));
    expect(refused.json<ErrorBody>().error.code).toBe(130429);
    now += 1_000;
    expect((await post(graph, template('+4915112345699'))).status).toBe(200);
  });

  it('limits one pair to a burst, then 1 per 6 s, with 131056', async () => {
    let now = 1_800_000_000_000;
    const { graph } = await fakeWith({ clock: { now: () => now }, pairBurst: 2 });
    expect((await post(graph, template('+4915112345678'))).status).toBe(200);
    expect((await post(graph, template('+4915112345678'))).status).toBe(200);
    expect((await post(graph, template('+4915112345678'))).json<ErrorBody>().error.code).toBe(131056);
    expect((await post(graph, template('+4915112345679'))).status).toBe(200);
    now += 6_000;
    expect((await post(graph, template('+4915112345678'))).status).toBe(200);
  });

  it('accepts free-form text outside the 24-hour window, then fails it with 131047 by webhook', async () => {
    let now = 1_800_000_000_000;
    const { graph, receiver } = await fakeWith({ clock: { now: () => now } });
    graph.fake.recordInbound(PHONE_NUMBER_ID, '4915112345678');
    const inside = await post(graph, {
      messaging_product: 'whatsapp',
      to: '+4915112345678',
      type: 'text',
      text: { body: 'hi' },
    });
    now += 25 * 3600 * 1000;
    const outside = await post(graph, {
      messaging_product: 'whatsapp',
      to: '+4915112345678',
      type: 'text',
      text: { body: 'hi again' },
    });
    expect(inside.status).toBe(200);
    expect(outside.status).toBe(200);
    const outsideId = outside.json<{ messages: { id: string }[] }>().messages[0]!.id;
    await graph.fake.webhooks.idle();
    const failed = receiver.statuses().filter((status) => status.id === outsideId);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: 'failed', errors: [{ code: 131047 }] });
  });

  it('runs a scripted failure once, sync or async', async () => {
    const { graph, receiver } = await fakeWith();
    graph.fake.script({ to: '+4915112345678', code: 131026, mode: 'async' });
    graph.fake.script({ to: '+4915112345679', code: 131030, mode: 'sync' });
    const asyncFail = await post(graph, template('+4915112345678'));
    const syncFail = await post(graph, template('+4915112345679'));
    const after = await post(graph, template('+4915112345679'));
    expect(asyncFail.status).toBe(200);
    expect(syncFail.json<ErrorBody>().error.code).toBe(131030);
    expect(after.status).toBe(200);
    await graph.fake.webhooks.idle();
    const id = asyncFail.json<{ messages: { id: string }[] }>().messages[0]!.id;
    expect(
      receiver
        .statuses()
        .filter((status) => status.id === id)
        .map((status) => status.status),
    ).toEqual(['failed']);
  });
});

describe('fake Graph API: status webhooks and chaos', () => {
  it('posts signed sent, delivered, read with the opaque data echoed', async () => {
    const { graph, receiver } = await fakeWith();
    const response = await post(
      graph,
      template('+4915112345678', { biz_opaque_callback_data: 'wh1:send:abc' }),
    );
    const id = response.json<{ messages: { id: string }[] }>().messages[0]!.id;
    await waitFor(() => receiver.statuses().length === 3, 'three statuses');
    expect(receiver.posts.every((p) => p.signatureValid)).toBe(true);
    expect(receiver.statuses().map((status) => status.status)).toEqual(['sent', 'delivered', 'read']);
    for (const status of receiver.statuses()) {
      expect(status).toMatchObject({
        id,
        recipient_id: '4915112345678',
        biz_opaque_callback_data: 'wh1:send:abc',
      });
      expect(typeof status.timestamp).toBe('string');
    }
  });

  it('reorders, duplicates and skips delivered when switched on', async () => {
    const { graph, receiver } = await fakeWith({
      chaos: { reorder: true, duplicates: true, skipDelivered: true },
    });
    await post(graph, template('+4915112345678'));
    await graph.fake.webhooks.idle();
    expect(receiver.statuses().map((status) => status.status)).toEqual(['read', 'read', 'sent', 'sent']);
  });

  it('fails after sent, and holds a template then drops it with 132015', async () => {
    const { graph, receiver } = await fakeWith({ chaos: { failedAfterSent: true } });
    await post(graph, template('+4915112345678'));
    await graph.fake.webhooks.idle();
    expect(receiver.statuses().map((status) => status.status)).toEqual(['sent', 'failed']);
    graph.fake.chaos = { ...graph.fake.chaos, failedAfterSent: false, held: 'dropped' };
    const held = await post(graph, template('+4915112345679'));
    expect(held.json<{ messages: { message_status: string }[] }>().messages[0]!.message_status).toBe(
      'held_for_quality_assessment',
    );
    await graph.fake.webhooks.idle();
    expect(receiver.statuses().at(-1)).toMatchObject({ status: 'failed', errors: [{ code: 132015 }] });
  });

  it('a reaction only ever gets sent', async () => {
    const { graph, receiver } = await fakeWith({ openWindows: true });
    await post(graph, {
      messaging_product: 'whatsapp',
      to: '+4915112345678',
      type: 'reaction',
      reaction: { message_id: 'wamid.X', emoji: '👍' },
    });
    await graph.fake.webhooks.idle();
    expect(receiver.statuses().map((status) => status.status)).toEqual(['sent']);
  });

  it('loses the answer after accepting, and the webhooks still come', async () => {
    const { graph, receiver } = await fakeWith();
    graph.fake.loseNextResponses = 1;
    await expect(
      post(graph, template('+4915112345678', { biz_opaque_callback_data: 'lost-1' })),
    ).rejects.toThrow();
    await graph.fake.webhooks.idle();
    expect(receiver.statuses().map((status) => status.biz_opaque_callback_data)).toEqual([
      'lost-1',
      'lost-1',
      'lost-1',
    ]);
  });
});
