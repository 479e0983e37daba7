/**
 * The fake Graph API over HTTP. Meta's routes: POST /{version}/{phone_number_id}/messages (and
 * `/marketing_messages`, and unversioned), POST /messages with `D360-API-KEY` (360dialog), GET
 * /{version}/{phone_number_id}?fields=…; media (POST /{version}/{phone_number_id}/media, GET and
 * DELETE /{version}/{media_id}, the download URL: media.ts); a bad or missing token answers 190 (401). Control routes
 * under /_fake/ (no auth: bind it to loopback) let tests open windows, script failures and switch
 * chaos on. A plain node:http server keeps the fake's own cost low, so a bench can compare a send
 * path against the fake's ceiling.
 */

import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { secureEqual } from '../lib/secure-compare.js';
import type { FakeGraph, ScriptedFailure } from './fake-graph.js';
import { graphError } from './graph-errors.js';
import { DOWNLOAD_PATH, parseUploadForm } from './media.js';
import { type Chaos, parseChaos } from './status-plan.js';

const MAX_BODY = 1024 * 1024;
/** Uploads go up to Meta's largest media type (documents, 100 MB); the fake keeps them in memory. */
const MAX_UPLOAD = 100 * 1024 * 1024;
const MEDIA_PATH = /^\/(?:(v\d+\.\d+)\/)?(\d{1,32})\/media$/;
const SEND_PATH = /^\/(?:(v\d+\.\d+)\/)?(\d{1,32})\/(messages|marketing_messages)$/;
const NUMBER_PATH = /^\/(?:(v\d+\.\d+)\/)?(\d{1,32})$/;

export interface RunningFakeGraph {
  readonly url: string;
  readonly fake: FakeGraph;
  close(): Promise<void>;
}

export async function listenFakeGraph(
  fake: FakeGraph,
  options: { host?: string; port?: number } = {},
): Promise<RunningFakeGraph> {
  const server = http.createServer((request, response) => {
    void handle(fake, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { error: { message: 'fake graph failed', code: 1 } });
      else response.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const host = (options.host ?? '127.0.0.1').includes(':')
    ? `[${options.host}]`
    : (options.host ?? '127.0.0.1');
  return {
    url: `http://${host}:${port}`,
    fake,
    close: async () => {
      fake.webhooks.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(fake: FakeGraph, request: http.IncomingMessage, response: http.ServerResponse) {
  const url = new URL(request.url ?? '/', 'http://fake');
  const limit = MEDIA_PATH.test(url.pathname) ? MAX_UPLOAD : MAX_BODY;
  const body =
    request.method === 'POST' || request.method === 'PUT' ? await readBody(request, limit) : undefined;
  if (body === null) return send(response, 413, graphError(100, 'The request body is too large.').body);
  if (url.pathname.startsWith('/_fake/')) return control(fake, request.method ?? 'GET', url, body, response);

  const d360Key = header(request, 'd360-api-key');
  let phoneNumberId: string | undefined;
  let path = url.pathname;
  if (path === '/messages' && d360Key !== undefined) {
    phoneNumberId = fake.numberForD360Key(d360Key);
    if (phoneNumberId === undefined)
      return send(response, 401, graphError(190, 'Invalid D360-API-KEY.').body);
    path = `/${phoneNumberId}/messages`;
  } else {
    const token = /^Bearer (.+)$/.exec(header(request, 'authorization') ?? '')?.[1];
    if (token === undefined || !acceptsToken(fake, token))
      return send(
        response,
        401,
        graphError(190, 'Invalid OAuth access token - Cannot parse access token').body,
      );
  }

  const sendMatch = SEND_PATH.exec(path);
  if (sendMatch && request.method === 'POST') {
    let parsed: unknown;
    try {
      parsed = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
    } catch {
      return send(response, 400, graphError(100, 'The request body is not valid JSON.').body);
    }
    const answer = fake.send(sendMatch[2] as string, parsed, sendMatch[3] === 'marketing_messages');
    if (answer.delayMs > 0) await sleep(answer.delayMs);
    if (answer.fate === 'lose') {
      // The message was accepted and its webhooks will come; the caller never learns the wamid.
      request.socket.destroy();
      return;
    }
    return send(response, answer.status, answer.body);
  }
  if (path === DOWNLOAD_PATH && request.method === 'GET') {
    // The token was checked above: without it the download fails, as Meta's does.
    const file = fake.media.download(url.searchParams.get('hash') ?? '');
    if (!file) return send(response, 404, graphError(100, 'The media URL is expired or unknown.').body);
    response.writeHead(200, { 'Content-Type': file.mimeType, 'Content-Length': file.bytes.length });
    response.end(file.bytes);
    return;
  }
  const mediaMatch = MEDIA_PATH.exec(path);
  if (mediaMatch && request.method === 'POST')
    return upload(fake, mediaMatch[2] as string, request, body, response);
  const numberMatch = NUMBER_PATH.exec(path);
  if (numberMatch && fake.media.has(numberMatch[2] as string)) {
    const id = numberMatch[2] as string;
    if (request.method === 'DELETE') {
      fake.media.delete(id);
      return send(response, 200, { success: true });
    }
    if (request.method === 'GET') {
      const owner = url.searchParams.get('phone_number_id') ?? undefined;
      const info = fake.media.describe(id, `http://${request.headers.host ?? '127.0.0.1'}`, owner);
      if (info === 'wrong_number')
        return send(
          response,
          400,
          graphError(100, `Media ${id} does not belong to phone number ${owner}.`, { subcode: 33 }).body,
        );
      if (info !== 'unknown') return send(response, 200, info);
    }
  }
  if (numberMatch && request.method === 'GET') {
    const id = numberMatch[2] as string;
    const number = fake.number(id);
    if (!number)
      return send(
        response,
        400,
        graphError(100, `Object with ID '${id}' does not exist.`, { subcode: 33 }).body,
      );
    return send(response, 200, {
      id,
      display_phone_number: number.displayPhoneNumber,
      throughput: { level: 'STANDARD' },
      whatsapp_business_manager_messaging_limit: 'TIER_2K',
    });
  }
  return send(response, 400, graphError(100, `Unknown path components: ${url.pathname}`).body);
}

/** POST /{phone_number_id}/media: multipart with `messaging_product=whatsapp` and a typed `file`. */
function upload(
  fake: FakeGraph,
  phoneNumberId: string,
  request: http.IncomingMessage,
  body: Buffer | undefined,
  response: http.ServerResponse,
) {
  if (!fake.number(phoneNumberId))
    return send(
      response,
      400,
      graphError(100, `Object with ID '${phoneNumberId}' does not exist.`, { subcode: 33 }).body,
    );
  const form = parseUploadForm(body ?? Buffer.alloc(0), header(request, 'content-type'));
  if (!form) return send(response, 400, graphError(100, 'The upload must be multipart/form-data.').body);
  if (form.fields.messaging_product !== 'whatsapp')
    return send(response, 400, graphError(100, 'The parameter messaging_product is required.').body);
  const mimeType = form.fields.type ?? form.file?.mimeType ?? '';
  if (!form.file || form.file.bytes.length === 0 || mimeType === '')
    return send(response, 400, graphError(100, 'The parameter file is required, with its MIME type.').body);
  return send(response, 200, { id: fake.media.upload(phoneNumberId, form.file.bytes, mimeType) });
}

function acceptsToken(fake: FakeGraph, token: string): boolean {
  // Constant-time per candidate; the fake holds a handful of tokens at most.
  return fake.acceptedTokens().some((known) => secureEqual(known, token));
}

/** Control API: state changes a test or a person makes to the fake, never reachable as Meta. */
function control(
  fake: FakeGraph,
  method: string,
  url: URL,
  body: Buffer | undefined,
  response: http.ServerResponse,
) {
  let input: Record<string, unknown> = {};
  try {
    input = body && body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    return send(response, 400, { error: 'body is not JSON' });
  }
  const route = `${method} ${url.pathname}`;
  switch (route) {
    case 'GET /_fake/sends':
      return send(response, 200, {
        sends: fake.sends,
        webhooks: { delivered: fake.webhooks.delivered, failed: fake.webhooks.failedPosts },
      });
    case 'POST /_fake/inbound':
      fake.recordInbound(String(input.phone_number_id ?? ''), String(input.from ?? ''));
      return send(response, 200, { ok: true });
    case 'POST /_fake/opt-out':
      fake.optOut(String(input.user ?? ''));
      return send(response, 200, { ok: true });
    case 'POST /_fake/script':
      fake.script(input as unknown as ScriptedFailure);
      return send(response, 200, { ok: true });
    case 'PUT /_fake/chaos':
      fake.chaos =
        typeof input.switches === 'string'
          ? parseChaos(input.switches)
          : { ...fake.chaos, ...(input as Partial<Chaos>) };
      return send(response, 200, { chaos: fake.chaos });
    case 'PUT /_fake/faults':
      fake.slowMs = Number(input.slow_ms ?? fake.slowMs);
      fake.loseNextResponses = Number(input.lose_responses ?? fake.loseNextResponses);
      fake.serverErrorsBeforeAccept = Number(
        input.server_errors_before_accept ?? fake.serverErrorsBeforeAccept,
      );
      fake.serverErrorsAfterAccept = Number(input.server_errors_after_accept ?? fake.serverErrorsAfterAccept);
      return send(response, 200, { ok: true });
    default:
      return send(response, 404, { error: `no control route ${route}` });
  }
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
