import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, runWahook, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/**
 * After a `410 Gone` disabled a subscription, a dry run says why it would send nothing, with the
 * counts, over the API and in `wahook replay --dry-run` (the built CLI as a child process); PATCH
 * re-enables and pauses, and a paused subscription's replayed deliveries wait until it resumes.
 */
let server: TestServer;
let sink: Subscriber;
let gone = true;
let subscriptionId: string;

function patch(body: Record<string, unknown>) {
  return adminRequest(server.url, `/v1/subscriptions/${subscriptionId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function dryRun() {
  return adminRequest(server.url, '/v1/dead-letters/replay', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ subscription: subscriptionId, dry_run: true }),
  });
}

function wahook(args: readonly string[]) {
  return runWahook(args, {
    env: { WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN, WAHOOK_LOG_LEVEL: 'silent' },
    timeoutMs: 30_000,
  });
}

beforeAll(async () => {
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms' },
    stages: createStages,
  });
  sink = await startSubscriber(() => (gone ? { status: 410 } : { status: 200 }));
  const created = await adminRequest(server.url, '/v1/subscriptions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: sink.url }),
  });
  subscriptionId = created.json<{ id: string }>().id;
  const statuses = Array.from({ length: 3 }, (_, i) => ({
    wamid: testWamid('dry-run', i),
    status: 'sent',
    timestamp: 1767265000 + i,
  }));
  await postSigned(server.url, statusWebhook(statuses));
  await waitFor(async () => {
    const page = await adminRequest(server.url, `/v1/dead-letters?subscription=${subscriptionId}`);
    return page.json<{ dead_letters: unknown[] }>().dead_letters.length === 3;
  }, 'three dead letters after the 410');
});
afterAll(async () => {
  await server?.cleanup();
  await sink?.close();
});

describe('replay dry run after a 410', () => {
  it('answers why nothing would be sent, with counts, over the API', async () => {
    const answer = await dryRun();
    expect(answer.status).toBe(200);
    const body = answer.json<{
      would_replay: number;
      matched: number;
      subscriptions: unknown[];
      reasons: string[];
    }>();
    expect(body).toMatchObject({
      would_replay: 0,
      matched: 3,
      subscriptions: [{ id: subscriptionId, matched: 3, held: 'disabled' }],
    });
    expect(body.reasons).toHaveLength(1);
    expect(body.reasons[0]).toContain(`3 dead letters of subscription ${subscriptionId} stay dead`);
    expect(body.reasons[0]).toContain('410');
  });

  it('prints the reason and the counts in `wahook replay --dry-run`', async () => {
    const run = await wahook(['replay', '--subscription', subscriptionId, '--dry-run', '--url', server.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('would replay 0 of 3 matching dead letters');
    expect(run.stdout).toContain('the subscription is disabled');
    expect(run.stdout).toContain(`wahook subscriptions enable ${subscriptionId}`);
  });

  it('says when no dead letter matches', async () => {
    const run = await wahook(['replay', '--subscription', 'sub_nothing', '--dry-run', '--url', server.url]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('would replay 0 dead letters');
    expect(run.stdout).toContain('no dead letter matches the filter');
  });

  it('pauses with PATCH {"paused":true}: a replay queues the deliveries but sends none until resumed', async () => {
    gone = false;
    const paused = await patch({ enabled: true, paused: true });
    expect(paused.status, paused.text()).toBe(200);
    expect(paused.json()).toMatchObject({ enabled: true, disabled_reason: null, paused: true });
    expect(paused.json<{ paused_at: string }>().paused_at).toMatch(/^\d{4}-/);

    const preview = (await dryRun()).json<{ would_replay: number; reasons: string[] }>();
    expect(preview.would_replay).toBe(3);
    expect(preview.reasons[0]).toContain('would be queued but not sent: the subscription is paused');

    const replayed = await adminRequest(server.url, '/v1/dead-letters/replay', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: subscriptionId }),
    });
    expect(replayed.json()).toEqual({ replayed: 3 });
    const pending = await adminRequest(
      server.url,
      `/v1/deliveries?state=pending&subscription=${subscriptionId}`,
    );
    expect(pending.json<{ deliveries: unknown[] }>().deliveries).toHaveLength(3);
    const before = sink.received.length;

    const resumed = await patch({ paused: false });
    expect(resumed.json()).toMatchObject({ enabled: true, paused: false, paused_at: null });
    await waitFor(() => sink.received.filter((r) => r.status === 200).length === 3, 'the three arrive');
    // Nothing was sent while paused: every request after the pause is one of the three successes.
    expect(sink.received.slice(before).every((r) => r.status === 200)).toBe(true);
  });

  it('refuses a paused value that is not a boolean, naming the field', async () => {
    const answer = await patch({ paused: 'yes' });
    expect(answer.status).toBe(400);
    expect(answer.json<{ message: string }>().message).toMatch(/^paused: /);
  });
});
