import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServe, startLocalServe } from '../helpers/local-serve.js';
import { type ChildServer, httpRequest } from '../helpers/server.js';
import { createTempDir, type TempDir } from '../helpers/tmp.js';

/**
 * Right after `npm start` (local mode, nothing configured) every command run from the same folder
 * finds the generated secrets, as a developer types them: `wahook serve` and each command are real
 * child processes with no WAHOOK_* secret in their environment.
 */
let local: LocalServe;
let elsewhere: TempDir;
let server: ChildServer;

/** A command in the folder `serve` runs in, with only the port set (as `npm start` leaves it). */
function wahook(args: readonly string[], cwd?: string) {
  return local.wahook(args, cwd === undefined ? {} : { cwd });
}

beforeAll(async () => {
  local = await startLocalServe('wahook-cli-local-');
  elsewhere = await createTempDir('wahook-cli-elsewhere-');
  server = local.server;
  expect(server.stdout()).toContain('local mode');
});

afterAll(async () => {
  await local?.stop();
  await elsewhere?.remove();
});

describe('every command finds the secrets of a local-mode server', () => {
  it('simulate signs with the generated app secret and --verify-url uses the generated admin token', async () => {
    const run = await wahook([
      'simulate',
      `${server.url}/webhooks/whatsapp`,
      '--fixture',
      'text',
      '--verify-url',
      server.url,
      '--json',
    ]);
    expect(run.stderr).not.toContain('no app secret');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { acknowledged: number; verification: { matched: number } };
    expect(summary.acknowledged).toBe(1);
    expect(summary.verification.matched).toBeGreaterThan(0);
  });

  it('doctor runs the handshake and the signed checks with the generated token and secret', async () => {
    const run = await wahook(['doctor', `${server.url}/webhooks/whatsapp`, '--samples', '1']);
    // Plain http on loopback fails the HTTPS check; what matters here is that nothing was skipped.
    expect(run.stdout).toMatch(/^PASS {2}Verification handshake echoes the challenge/m);
    expect(run.stdout).toMatch(/^PASS {2}Signed test message answered 200 in time/m);
    expect(run.stdout).not.toMatch(/^SKIP .*(handshake|[Ss]igned|WAHOOK_)/m);
  });

  it('status, requests and replay reach the default server with the generated admin token', async () => {
    const token = local.adminToken();
    const list = await httpRequest(`${server.url}/v1/messages?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const wamid = (JSON.parse(list.body.toString('utf8')) as { messages: { id: string }[] }).messages[0]?.id;
    expect(wamid).toBeDefined();

    const status = await wahook(['status', wamid!, '--json']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: wamid });

    const requests = await wahook(['requests', '--json']);
    expect(requests.code).toBe(0);
    const replay = await wahook(['replay', '--since', '2026-01-01T00:00:00Z', '--dry-run']);
    expect(replay.stdout).toContain('would replay 0 dead letters');
    expect(replay.code).toBe(0);
  });

  it('an explicit loopback --url gets the local token too', async () => {
    const run = await wahook(['requests', '--url', server.url, '--json']);
    expect(run.code).toBe(0);
  });

  it('a command run from another folder has no local secrets and says where they are looked for', async () => {
    const run = await wahook(
      ['simulate', `${server.url}/webhooks/whatsapp`, '--fixture', 'text'],
      elsewhere.path,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no app secret');
    expect(run.stderr).toContain('WAHOOK_APP_SECRETS');
    expect(run.stderr).toContain('local-secrets.json');
  });
});
