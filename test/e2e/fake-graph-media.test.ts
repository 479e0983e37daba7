import { afterEach, describe, expect, it } from 'vitest';
import type { RunningFakeGraph } from '../../src/fake-graph/server.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';

/**
 * The fake Graph API's media routes over HTTP, uploaded with the platform's own multipart encoder
 * (FormData), on an injected clock for the 5-minute download URL.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const auth = { authorization: `Bearer ${FAKE_TOKEN}` };
const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

async function setup(): Promise<{ graph: RunningFakeGraph; advance: (ms: number) => void }> {
  let now = 1_800_000_000_000;
  const graph = await startFakeGraph({ clock: { now: () => now } });
  cleanups.push(graph.close);
  return { graph, advance: (ms) => (now += ms) };
}

function form(fields: Record<string, string>, file?: Buffer): FormData {
  const data = new FormData();
  for (const [key, value] of Object.entries(fields)) data.set(key, value);
  if (file) data.set('file', new Blob([file], { type: 'image/png' }), 'photo.png');
  return data;
}

async function upload(graph: RunningFakeGraph, data: FormData, number = PHONE_NUMBER_ID) {
  const response = await fetch(`${graph.url}/v25.0/${number}/media`, {
    method: 'POST',
    headers: auth,
    body: data,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('fake Graph API media', () => {
  it('uploads, describes with a download URL, serves the bytes with the token, and deletes', async () => {
    const { graph } = await setup();
    const uploaded = await upload(graph, form({ messaging_product: 'whatsapp' }, png));
    expect(uploaded.status).toBe(200);
    const id = String(uploaded.json.id);
    expect(id).toMatch(/^\d{16}$/);

    const info = await fetch(`${graph.url}/v25.0/${id}`, { headers: auth });
    const body = (await info.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      messaging_product: 'whatsapp',
      mime_type: 'image/png',
      file_size: String(png.length),
      id,
    });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);

    const url = String(body.url);
    expect((await fetch(url)).status).toBe(401);
    const download = await fetch(url, { headers: auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer())).toEqual(png);

    const deleted = await fetch(`${graph.url}/v25.0/${id}`, { method: 'DELETE', headers: auth });
    expect(await deleted.json()).toEqual({ success: true });
    expect((await fetch(url, { headers: auth })).status).toBe(404);
    const gone = (await (await fetch(`${graph.url}/v25.0/${id}`, { headers: auth })).json()) as {
      error: { code: number; error_subcode: number };
    };
    expect(gone.error).toMatchObject({ code: 100, error_subcode: 33 });
  });

  it('expires the download URL after 5 minutes; a new GET gives a new one', async () => {
    const { graph, advance } = await setup();
    const id = String((await upload(graph, form({ messaging_product: 'whatsapp' }, png))).json.id);
    const urlOf = async () =>
      String(
        ((await (await fetch(`${graph.url}/v25.0/${id}`, { headers: auth })).json()) as { url: string }).url,
      );
    const first = await urlOf();
    advance(4 * 60_000);
    expect((await fetch(first, { headers: auth })).status).toBe(200);
    advance(2 * 60_000);
    expect((await fetch(first, { headers: auth })).status).toBe(404);
    expect((await fetch(await urlOf(), { headers: auth })).status).toBe(200);
  });

  it('refuses an upload without messaging_product or file, to an unknown number, and a GET for another number', async () => {
    const { graph } = await setup();
    expect((await upload(graph, form({}, png))).status).toBe(400);
    const noFile = await upload(graph, form({ messaging_product: 'whatsapp' }));
    expect(noFile.json).toMatchObject({ error: { code: 100 } });
    const unknown = await upload(graph, form({ messaging_product: 'whatsapp' }, png), '999999999999999');
    expect(unknown.json).toMatchObject({ error: { code: 100, error_subcode: 33 } });
    const id = String((await upload(graph, form({ messaging_product: 'whatsapp' }, png))).json.id);
    const other = await fetch(`${graph.url}/v25.0/${id}?phone_number_id=198765432109876`, { headers: auth });
    expect(other.status).toBe(400);
    const own = await fetch(`${graph.url}/v25.0/${id}?phone_number_id=${PHONE_NUMBER_ID}`, { headers: auth });
    expect(own.status).toBe(200);
    expect((await fetch(`${graph.url}/v25.0/${id}`)).status).toBe(401);
  });
});
