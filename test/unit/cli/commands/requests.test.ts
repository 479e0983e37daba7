import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../../../src/stages.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../../../helpers/server.js';
import { signedHeaders, TEST_ADMIN_TOKEN } from '../../../helpers/signing.js';
import { waitFor } from '../../../helpers/wait.js';
import { runWahook } from '../run-cli.js';

let server: TestServer;
const env = () => ({ WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN });

beforeAll(async () => {
  server = await startTestServer({ stages: createStages });
  // First an unsigned request, then one a proxy re-encoded: raw UTF-8 where Meta sends \u escapes.
  const unsigned = await httpRequest(`${server.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"object":"whatsapp_business_account","entry":[]}',
  });
  expect(unsigned.status).toBe(401);
  const reencoded = await httpRequest(`${server.url}/webhooks/whatsapp`, {
    method: 'POST',
    headers: signedHeaders('{"object":"whatsapp_business_account","note":"\\u00e4"}', 'some-other-secret'),
    body: '{"object":"whatsapp_business_account","note":"ä"}',
  });
  expect(reencoded.status).toBe(401);
  // The server writes its request log once a second; wait until both are in it.
  await waitFor(async () => {
    const log = await adminRequest(server.url, '/v1/requests');
    return log.json<{ requests: unknown[] }>().requests.length === 2;
  }, 'both refused requests in the request log');
});

afterAll(async () => {
  await server?.cleanup();
});

describe('wahook requests', () => {
  it('lists refused requests newest first with status, reason and hints', async () => {
    const run = await runWahook(['requests', '--url', server.url], env());
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^time +method +path +status +reason/);
    const rows = lines.filter((line) => /^\d{4}-\d\d-\d\dT/.test(line));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/POST +\/webhooks\/whatsapp +401 +signature_mismatch/);
    expect(rows[1]).toMatch(/POST +\/webhooks\/whatsapp +401 +signature_missing/);
    const mismatchAt = lines.indexOf(rows[0]!);
    expect(lines[mismatchAt + 1]).toMatch(/^ +hint: body has raw non-ASCII bytes/);
  });

  it('shows only the newest ones with --limit', async () => {
    const run = await runWahook(['requests', '--url', server.url, '--limit', '1'], env());
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('signature_mismatch');
    expect(run.stdout).not.toContain('signature_missing');
  });

  it('prints the API answer with --json', async () => {
    const run = await runWahook(['requests', '--url', server.url, '--json'], env());
    expect(run.exitCode).toBe(0);
    const json = JSON.parse(run.stdout) as { requests: { reason: string; hints: string[] }[] };
    expect(json.requests.map((request) => request.reason)).toEqual([
      'signature_mismatch',
      'signature_missing',
    ]);
  });

  it.each(['0', '501', 'ten'])('exits 2 for --limit %s', async (limit) => {
    const run = await runWahook(['requests', '--url', server.url, '--limit', limit], env());
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--limit must be a whole number from 1 to 500');
  });

  it('exits 2 naming WAHOOK_ADMIN_TOKEN when no token is configured', async () => {
    const run = await runWahook(['requests', '--url', server.url], {});
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('no admin token');
    expect(run.stderr).toContain('WAHOOK_ADMIN_TOKEN');
  });
});
