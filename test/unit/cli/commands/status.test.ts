import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../../../src/stages.js';
import { lookupErrorCode } from '../../../../src/whatsapp/error-catalog.js';
import { freePort } from '../../../helpers/local-serve.js';
import { adminRequest, startTestServer, type TestServer } from '../../../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../../../helpers/signing.js';
import { createTempDir, type TempDir } from '../../../helpers/tmp.js';
import { runWahook } from '../run-cli.js';
import { postSignedWebhook, statusBody, waitForMessageStatus } from '../webhooks.js';

const READ_WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkNMSVRFU1RSRUFEMDAwMQA=';
const FAILED_WAMID = 'wamid.HBgNNDkxNTExMjM0NTY3OBUCABEYEkNMSVRFU1RGQUlMMDAwMQA=';
const PHONE = '4915112345678';
const SENT_AT = 1_767_261_600;

let server: TestServer;
const env = () => ({ WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN });

beforeAll(async () => {
  server = await startTestServer({ stages: createStages });
  // Arrival order differs from meaning order on purpose: the timeline follows sender timestamps.
  await postSignedWebhook(
    server.url,
    statusBody([
      { id: READ_WAMID, status: 'read', timestamp: SENT_AT + 65, recipient_id: PHONE },
      { id: READ_WAMID, status: 'sent', timestamp: SENT_AT, recipient_id: PHONE },
    ]),
  );
  await postSignedWebhook(
    server.url,
    statusBody([{ id: READ_WAMID, status: 'delivered', timestamp: SENT_AT + 5, recipient_id: PHONE }]),
  );
  await postSignedWebhook(
    server.url,
    statusBody([
      { id: FAILED_WAMID, status: 'sent', timestamp: SENT_AT, recipient_id: PHONE },
      {
        id: FAILED_WAMID,
        status: 'failed',
        timestamp: SENT_AT + 3,
        recipient_id: PHONE,
        errors: [
          {
            code: 131026,
            title: 'Message undeliverable',
            message: 'Message undeliverable',
            error_data: { details: 'Message Undeliverable.' },
          },
        ],
      },
    ]),
  );
  await waitForMessageStatus(server.url, READ_WAMID, 'read');
  await waitForMessageStatus(server.url, FAILED_WAMID, 'failed');
});

afterAll(async () => {
  await server?.cleanup();
});

describe('wahook status against a running server', () => {
  it('prints the timeline in sender-timestamp order with the phone number masked', async () => {
    const run = await runWahook(['status', READ_WAMID, '--url', server.url], env());
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`message ${READ_WAMID}`);
    expect(run.stdout).toMatch(/status +read: displayed to the user/);
    expect(run.stdout).toMatch(/direction +outbound/);
    expect(run.stdout).toContain('wa_id 49151******78');
    expect(run.stdout).not.toContain(PHONE);
    const timeline = run.stdout.split('\n').filter((line) => /^ {2}2026-/.test(line));
    expect(timeline.map((line) => line.trim().split(/\s+/).at(-1))).toEqual(['sent', 'delivered', 'read']);
    expect(timeline[0]).toContain(new Date(SENT_AT * 1000).toISOString());
    expect(timeline[1]).toContain('+5s');
    expect(timeline[2]).toContain('+1m05s');
  });

  it('prints phone numbers in full with --show-phone', async () => {
    const run = await runWahook(['status', READ_WAMID, '--url', server.url, '--show-phone'], env());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`wa_id ${PHONE}`);
  });

  it('finds the server from WAHOOK_PORT when no --url is given', async () => {
    const port = new URL(server.url).port;
    const run = await runWahook(['status', READ_WAMID], { ...env(), WAHOOK_PORT: port });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(`message ${READ_WAMID}`);
  });

  it('shows each error of a failed message with its explanation', async () => {
    const run = await runWahook(['status', FAILED_WAMID, '--url', server.url], env());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/status +failed/);
    expect(run.stdout).toContain('131026 Message undeliverable (details: Message Undeliverable.)');
    expect(run.stdout).toContain(lookupErrorCode(131026)!.meaning);
    expect(run.stdout).toMatch(/failed +error 131026/);
  });

  it('prints the message JSON of the API with --json', async () => {
    const run = await runWahook(['status', READ_WAMID, '--url', server.url, '--json'], env());
    expect(run.exitCode).toBe(0);
    const api = await adminRequest(server.url, `/v1/messages/${encodeURIComponent(READ_WAMID)}`);
    expect(JSON.parse(run.stdout)).toEqual(api.json());
  });

  it('exits 1 for a wamid not seen yet and says what that can mean', async () => {
    const run = await runWahook(['status', 'wamid.NEVERSEEN', '--url', server.url], env());
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('wamid.NEVERSEEN not seen yet');
    expect(run.stderr).toContain('status webhooks have not arrived yet');
    expect(run.stderr).toContain('the wamid is wrong');
    expect(run.stderr).toContain('another system or Meta app');
  });

  it('exits 2 naming WAHOOK_ADMIN_TOKEN when the server refuses the token', async () => {
    const run = await runWahook(['status', READ_WAMID, '--url', server.url], {
      WAHOOK_ADMIN_TOKEN: 'not-the-token',
    });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('refused the admin token (HTTP 401)');
    expect(run.stderr).toContain('WAHOOK_ADMIN_TOKEN');
  });
});

describe('wahook status when the server cannot answer', () => {
  it('exits 1 naming the URL and how to start the server when nothing listens there', async () => {
    const url = await closedPortUrl();
    const run = await runWahook(['status', READ_WAMID, '--url', url], env());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`nothing is listening at ${url}`);
    expect(run.stderr).toContain('wahook serve');
  });

  it('exits 1 when the URL answers but is not a wahook server', async () => {
    const other = await startPlainServer();
    try {
      const run = await runWahook(['status', READ_WAMID, '--url', other.url], env());
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('does not look like a wahook server');
    } finally {
      await other.close();
    }
  });

  it('exits 2 for a --url that is not an http URL', async () => {
    const run = await runWahook(['status', READ_WAMID, '--url', 'ftp://example.com'], env());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--url must start with http:// or https://');
  });
});

describe('wahook status --local', () => {
  it('reads the same message JSON from the store file as the API answers', async () => {
    const api = await adminRequest(server.url, `/v1/messages/${encodeURIComponent(FAILED_WAMID)}`);
    const run = await runWahook(['status', FAILED_WAMID, '--local', '--json'], {
      WAHOOK_DATABASE_URL: `sqlite:${server.dbPath}`,
    });
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(api.json());
  });

  it('exits 1 with "not seen yet" for an unknown wamid', async () => {
    const run = await runWahook(['status', 'wamid.NEVERSEEN', '--local'], {
      WAHOOK_DATABASE_URL: `sqlite:${server.dbPath}`,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain(`not seen yet (asked the store ${server.dbPath})`);
  });

  it('exits 2 without creating a store when WAHOOK_DATABASE_URL points at no file', async () => {
    const dir: TempDir = await createTempDir();
    try {
      const path = join(dir.path, 'missing', 'w.db');
      const run = await runWahook(['status', READ_WAMID, '--local'], {
        WAHOOK_DATABASE_URL: `sqlite:${path}`,
      });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain(`no store at ${path}`);
      expect(existsSync(path)).toBe(false);
    } finally {
      await dir.remove();
    }
  });
});

/** A URL on a loopback port that was free a moment ago, so a connection is refused. */
async function closedPortUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}

/** Some other web server: answers every request with an HTML 404. */
async function startPlainServer(): Promise<{ url: string; close(): Promise<void> }> {
  const plain: Server = createServer((_request, response) => {
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const { port } = plain.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => plain.close(() => resolve())),
  };
}
