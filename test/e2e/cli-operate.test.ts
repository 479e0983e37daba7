import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStages } from '../../src/stages.js';
import { type Answer, type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { runWahook, spawnWahook, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { waitFor as waitForShort } from '../helpers/wait.js';

/**
 * The operator's commands (stats, subscriptions, deliveries, inbox, tail) as the built CLI, each a
 * child process, against a real server on loopback with a real subscriber: the same settings, the
 * same `error:`/`fix:` form and exit codes, and --json everywhere.
 */
let server: TestServer;
let sink: Subscriber;
let answer: Answer = { status: 200 };
let wamidCount = 0;

// Every step starts a node process; on a loaded machine one takes seconds, and a test runs several.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 60_000 });

/** Conditions here often run a command themselves, so they get more time than the default. */
const waitFor = (condition: () => boolean | Promise<boolean>, what: string) =>
  waitForShort(condition, what, 120_000);

const ENV = { WAHOOK_ADMIN_TOKEN: TEST_ADMIN_TOKEN, WAHOOK_LOG_LEVEL: 'silent' };

function wahook(args: readonly string[], env: Record<string, string> = ENV) {
  return runWahook([...args, '--url', server.url], { env, timeoutMs: 120_000 });
}

async function wahookJson<T>(args: readonly string[]): Promise<T> {
  const run = await wahook([...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

async function sendStatus(): Promise<string> {
  wamidCount += 1;
  const wamid = testWamid('cli-operate', wamidCount);
  await postSigned(
    server.url,
    statusWebhook([{ wamid, status: 'sent', timestamp: 1767267000 + wamidCount }]),
  );
  return wamid;
}

const received = (wamid: string) => sink.received.filter((r) => r.status === 200 && r.body.includes(wamid));

beforeAll(async () => {
  server = await startTestServer({
    env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms' },
    stages: createStages,
  });
  sink = await startSubscriber(() => answer);
});
afterAll(async () => {
  await server?.cleanup();
  await sink?.close();
});

describe('wahook subscriptions', () => {
  let id: string;
  let secret: string;

  it('adds one, lists it without its secret, and sends a signed test event', async () => {
    const added = await wahookJson<{ id: string; secret: string; events: string[] }>([
      'subscriptions',
      'add',
      sink.url,
      '--events',
      'message.status',
    ]);
    ({ id, secret } = added);
    expect(added.events).toEqual(['message.status']);

    const list = await wahook(['subscriptions', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${id}\\s+enabled\\s+0\\s+0\\s`, 'm'));
    expect(list.stdout).not.toContain(secret);

    const test = await wahook(['subscriptions', 'test', id]);
    expect(test.code, test.stderr).toBe(0);
    expect(test.stdout).toMatch(/^OK: HTTP 200 in \d+ ms/);
    const request = sink.received.find((r) => r.body.includes('"wahook.test"'));
    expect(request).toBeDefined();
    expect(() =>
      new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>),
    ).not.toThrow();
  });

  it('pauses: deliveries wait as pending (shown by deliveries and stats) until enable sends them', async () => {
    const paused = await wahook(['subscriptions', 'pause', id]);
    expect(paused.stdout).toContain(`paused ${id}`);
    const wamid = await sendStatus();
    await waitFor(async () => {
      const page = await wahookJson<{ deliveries: unknown[] }>(['deliveries', '--subscription', id]);
      return page.deliveries.length === 1;
    }, 'one pending delivery');
    const table = await wahook(['deliveries', '--subscription', id]);
    expect(table.stdout).toMatch(new RegExp(`^\\d+\\s+${id}\\s+message\\.status\\s+0\\s`, 'm'));
    const stats = await wahookJson<{ subscriptions: { id: string; pending: number }[] }>(['stats']);
    expect(stats.subscriptions).toContainEqual(expect.objectContaining({ id, pending: 1 }));
    expect((await wahook(['stats'])).stdout).toMatch(/^deliveries\s+1 pending/m);
    expect(received(wamid)).toHaveLength(0);

    const enabled = await wahook(['subscriptions', 'enable', id]);
    expect(enabled.code, enabled.stderr).toBe(0);
    await waitFor(() => received(wamid).length === 1, 'the held delivery arrives after enable');
  });

  it('reports a failed test with exit 1, and a 410 to a test disables nothing', async () => {
    answer = { status: 410 };
    const test = await wahook(['subscriptions', 'test', id]);
    answer = { status: 200 };
    expect(test.code).toBe(1);
    expect(test.stdout).toMatch(/^FAILED: HTTP 410 in \d+ ms/);
    expect(test.stdout).toContain('a real delivery would disable the subscription');
    expect((await wahook(['subscriptions', 'list'])).stdout).toMatch(new RegExp(`^${id}\\s+enabled\\s`, 'm'));
  });

  it('re-enables a subscription a 410 disabled, and the dead letters are listed', async () => {
    answer = { status: 410 };
    await sendStatus();
    await waitFor(async () => {
      const list = await wahookJson<{ subscriptions: { id: string; enabled: boolean }[] }>([
        'subscriptions',
        'list',
      ]);
      return list.subscriptions.some((entry) => entry.id === id && !entry.enabled);
    }, 'the 410 disables the subscription');
    expect((await wahook(['subscriptions', 'list'])).stdout).toMatch(new RegExp(`^${id}\\s+disabled: `, 'm'));
    const dead = await wahook(['deliveries', '--state', 'dead', '--subscription', id]);
    expect(dead.stdout).toContain('410');

    answer = { status: 200 };
    await wahook(['subscriptions', 'enable', id]);
    const wamid = await sendStatus();
    await waitFor(() => received(wamid).length === 1, 'deliveries resume after enable');
  });

  it('answers a missing subscription with error:/fix: and exit 1, a refused token with exit 2', async () => {
    const missing = await wahook(['subscriptions', 'remove', 'sub_missing']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: no subscription sub_missing/m);
    expect(missing.stderr).toMatch(/^fix: /m);

    const refused = await wahook(['subscriptions', 'list', '--admin-token', 'wrong'], {
      WAHOOK_LOG_LEVEL: 'silent',
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: .*refused the admin token/m);
    // The old spelling still works and stays out of --help.
    const old = await wahook(['subscriptions', 'list', '--token', TEST_ADMIN_TOKEN], {
      WAHOOK_LOG_LEVEL: 'silent',
    });
    expect(old.code, old.stderr).toBe(0);
    const help = await runWahook(['subscriptions', 'list', '--help'], { env: {} });
    expect(help.stdout).toContain('--admin-token');
    expect(help.stdout).not.toMatch(/--token\b/);
  });

  it('adds a batched one with --batch-max-events and --batch-max-wait, and refuses a wait alone', async () => {
    const added = await wahook([
      'subscriptions',
      'add',
      'http://127.0.0.1:9/batched',
      '--batch-max-events',
      '50',
      '--batch-max-wait',
      '250ms',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^ {2}batch\s+up to 50 events, or after 250ms$/m);
    const id = /^added (\S+)/.exec(added.stdout)?.[1];
    expect((await wahook(['subscriptions', 'remove', String(id)])).code).toBe(0);
    const alone = await wahook(['subscriptions', 'add', 'http://127.0.0.1:9/x', '--batch-max-wait', '1s']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--batch-max-wait needs --batch-max-events/);
  });

  it('removes one', async () => {
    const extra = await wahookJson<{ id: string }>(['subscriptions', 'add', 'http://127.0.0.1:9/none']);
    const removed = await wahook(['subscriptions', 'remove', extra.id]);
    expect(removed).toMatchObject({ code: 0, stdout: `removed ${extra.id}\n` });
  });
});

describe('wahook inbox', () => {
  it('lists quarantined rows with their reason and sends them back with --reprocess / --reprocess-all', async () => {
    await postSigned(server.url, '{"object":"whatsapp_business_account","entry":[');
    let rowId = 0;
    await waitFor(async () => {
      const page = await wahookJson<{ inbox: { id: number }[] }>(['inbox']);
      rowId = page.inbox[0]?.id ?? 0;
      return rowId > 0;
    }, 'a quarantined row');
    const table = await wahook(['inbox']);
    expect(table.stdout).toMatch(new RegExp(`^${rowId}\\s+\\S+\\s+quarantined\\s+\\d+\\s+\\S`, 'm'));
    expect(table.stdout).toContain('wahook inbox --reprocess <id>');

    const one = await wahook(['inbox', '--reprocess', String(rowId)]);
    expect(one).toMatchObject({ code: 0, stdout: 'requeued 1 row for processing\n' });
    await waitFor(async () => {
      const page = await wahookJson<{ inbox: { id: number }[] }>(['inbox']);
      return page.inbox.some((row) => row.id === rowId);
    }, 'the row quarantined again');
    const processed = await wahook(['inbox', '--reprocess', '1']);
    expect(processed.code).toBe(1);
    expect(processed.stderr).toMatch(/^error: .*inbox row 1 is processed, not quarantined/m);
    const all = await wahookJson<{ requeued: number }>(['inbox', '--reprocess-all']);
    expect(all.requeued).toBeGreaterThanOrEqual(0);

    const both = await wahook(['inbox', '--reprocess', '1', '--reprocess-all']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: give either --reprocess <id> or --reprocess-all/m);
  });

  it('pages with --after the cursor a page printed, until no "more:" line is left', async () => {
    for (let n = 0; n < 3; n++)
      await postSigned(server.url, `{"object":"whatsapp_business_account","entry":[${n}`);
    await waitFor(async () => {
      const page = await wahookJson<{ inbox: unknown[] }>(['inbox', '--limit', '500']);
      return page.inbox.length >= 3;
    }, 'three quarantined rows');
    const all = await wahookJson<{ inbox: { id: number }[] }>(['inbox', '--limit', '500']);
    const seen: number[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < all.inbox.length + 1; pages++) {
      const page = await wahook(['inbox', '--limit', '1', ...(after ? ['--after', after] : [])]);
      expect(page.code, page.stderr).toBe(0);
      // A full last page still names a cursor (the API cannot know nothing follows): the page
      // after it is empty.
      if (page.stdout.startsWith('no quarantined rows')) break;
      seen.push(Number(/^(\d+)\s+\S+\s+quarantined/m.exec(page.stdout)?.[1]));
      after = /^more: --after (\d+)$/m.exec(page.stdout)?.[1];
      if (after === undefined) break;
    }
    expect(seen).toEqual(all.inbox.map((row) => row.id));

    const bad = await wahook(['inbox', '--after', 'abc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --after takes the "next" cursor/m);
  });
});

describe('wahook tail', () => {
  it('prints new events as they are committed and forwards each, signed, to a local URL', async () => {
    const local = await startSubscriber(() => ({ status: 204 }));
    const forwardSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const tail = spawnWahook(
      [
        'tail',
        '--types',
        'message.status',
        '--json',
        '--forward-to',
        local.url,
        '--forward-secret',
        forwardSecret,
        '--url',
        server.url,
      ],
      { env: ENV },
    );
    try {
      await waitFor(
        () => tail.stderr().includes('tail: streaming events of type message.status'),
        'tail connects',
      );
      const wamid = await sendStatus();
      await waitFor(() => tail.stdout().includes(wamid), 'the event is printed');
      const line = tail
        .stdout()
        .split('\n')
        .find((text) => text.includes(wamid))!;
      expect(JSON.parse(line)).toMatchObject({ type: 'message.status', data: { messageId: wamid } });
      // Only events from the start of the tail: the earlier statuses are not replayed.
      expect(tail.stdout()).not.toContain(testWamid('cli-operate', 1));

      await waitFor(() => local.received.some((r) => r.body.includes(wamid)), 'the event is forwarded');
      const forwarded = local.received.find((r) => r.body.includes(wamid))!;
      const verified = new Webhook(forwardSecret).verify(
        forwarded.body,
        forwarded.headers as Record<string, string>,
      ) as { id: string };
      expect(forwarded.headers['webhook-id']).toBe(verified.id);
      await waitFor(() => tail.stderr().includes(`forwarded ${verified.id}`), 'the forward is reported');
    } finally {
      tail.child.kill('SIGINT');
      const exit = await tail.exited;
      await local.close();
      expect(exit.code).toBe(0);
    }
  });

  it('refuses a bad --forward-to with error:/fix: and exit 2', async () => {
    const run = await wahook(['tail', '--forward-to', 'localhost:3000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --forward-to must be an http:\/\/ or https:\/\/ URL/m);
    expect(run.stderr).toMatch(/^fix: For example/m);
  });
});

describe('durations', () => {
  it('doctor --timeout takes a unit; a bare number still means ms, with a note', async () => {
    const target = `${server.url}/webhooks/whatsapp`;
    const bare = await runWahook(['doctor', target, '--samples', '1', '--timeout', '5000', '--json'], {
      env: ENV,
    });
    expect(bare.stderr).toContain(
      'note: --timeout 5000 has no unit and is read as milliseconds; write 5000ms',
    );
    expect(JSON.parse(bare.stdout)).toHaveProperty('checks');
    const unit = await runWahook(['doctor', target, '--samples', '1', '--timeout', '5s', '--json'], {
      env: ENV,
    });
    expect(unit.stderr).not.toContain('note:');
    const bad = await runWahook(['doctor', target, '--timeout', 'soon'], { env: ENV });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --timeout: "soon" is not a duration/m);
    expect(bad.stderr).toMatch(/^fix: /m);
  });
});
