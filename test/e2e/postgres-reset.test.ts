import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMMIT_TIMEOUT_MS } from '../../src/inbox/group-commit.js';
import { Cluster, type PostOutcome, postWebhook, readInboxBodyCounts, sha256 } from '../helpers/cluster.js';
import { describePostgres, TEST_DATABASE_URL, TestSchemas } from '../helpers/postgres.js';
import { type ChildExit, type ChildServer, httpRequest } from '../helpers/server.js';
import { taggedBody } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';
import { TcpProxy } from '../store-contract/tcp-proxy.js';

/**
 * PostgreSQL connections reset under a process that runs every role (receiver appends, worker
 * transactions, delivery claims, the LISTEN session): a reset in the middle of a query must cost
 * 503s and a /readyz of 503, never the process, and the same process must be back to 200 once
 * the database is. A process started while the database is down must wait for it, alive and
 * saying why on /healthz. The resets come from a TCP proxy between wahook and PostgreSQL.
 */
const SENDERS = 4;
const REQUEST_TIMEOUT_MS = 2 * COMMIT_TIMEOUT_MS + 2_000;
const RESETS = 20;
const OUTAGE_MS = 3_000;

type Phase = 'before' | 'flapping' | 'down' | 'after';

interface Sent {
  body: Buffer;
  startedIn: Phase;
  endedIn: Phase;
  outcome: PostOutcome;
}

function viaProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

async function startProxy(): Promise<TcpProxy> {
  const target = new URL(TEST_DATABASE_URL);
  return TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
}

/** Whether the child has ended, looked at without waiting. */
function exitedYet(node: ChildServer): Promise<ChildExit | undefined> {
  return Promise.race([
    node.exited,
    new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
  ]);
}

describePostgres('a process whose PostgreSQL connections are reset', () => {
  const schemas = new TestSchemas('pg_reset');
  const proxies: TcpProxy[] = [];
  let databaseUrl: string;
  let cluster: Cluster;
  let passed = 0;

  beforeAll(async () => {
    databaseUrl = (await schemas.create()).url;
    proxies.push(await startProxy());
    cluster = new Cluster(viaProxy(databaseUrl, proxies[0] as TcpProxy));
  }, 60_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await Promise.all(proxies.map((proxy) => proxy.close()));
    await schemas.finish(passed < 2);
  });

  const readyStatus = async (node: ChildServer) =>
    (await httpRequest(`${node.url}/readyz`, { timeoutMs: REQUEST_TIMEOUT_MS })).status;

  it('stays up through resets mid-query and a reset outage, answering 503, then 200 again', {
    timeout: 120_000,
  }, async () => {
    const proxy = proxies[0] as TcpProxy;
    const node = await cluster.start('all');
    let phase: Phase = 'before';
    let stop = false;
    const sent: Sent[] = [];
    const count = (from: Phase, status: number) =>
      sent.filter((s) => s.startedIn === from && 'status' in s.outcome && s.outcome.status === status).length;
    const sender = async (lane: number) => {
      for (let n = 0; !stop; n++) {
        const body = taggedBody(`reset-${lane}-${n}`);
        const startedIn = phase;
        const outcome = await postWebhook(node.url, body, REQUEST_TIMEOUT_MS);
        sent.push({ body, startedIn, endedIn: phase, outcome });
      }
    };
    const senders = Promise.all(Array.from({ length: SENDERS }, (_, lane) => sender(lane)));

    try {
      await waitFor(() => count('before', 200) >= 50, '50 webhooks stored before the resets', 20_000);

      // Resets while traffic flows: appends, worker transactions and claims are cut mid-query.
      phase = 'flapping';
      for (let n = 0; n < RESETS; n++) {
        const before = sent.length;
        proxy.resetAll();
        await waitFor(() => sent.length > before, 'an answer between two resets', REQUEST_TIMEOUT_MS);
      }
      expect(await exitedYet(node), 'the process after resets mid-query').toBeUndefined();

      // The database "restarts": every connection, old or new, is reset for a few seconds.
      proxy.setMode('reset');
      phase = 'down';
      const downSince = Date.now();
      expect(await readyStatus(node), '/readyz while connections are reset').toBe(503);
      await waitFor(
        () => count('down', 503) >= 20 && Date.now() - downSince >= OUTAGE_MS,
        `20 answers of 503 during a ${OUTAGE_MS} ms outage`,
        60_000,
      );
      expect((await httpRequest(`${node.url}/healthz`)).status, '/healthz during the outage').toBe(200);

      proxy.setMode('forward');
      phase = 'after';
      await waitFor(async () => (await readyStatus(node)) === 200, '/readyz 200 after the restore', 20_000);
      await waitFor(() => count('after', 200) >= 100, '100 webhooks stored after the restore', 30_000);
    } finally {
      stop = true;
      await senders;
    }

    expect(await exitedYet(node), 'the process after the outage').toBeUndefined();
    expect(node.stderr(), 'errors on stderr').not.toMatch(/ECONNRESET|Unhandled|uncaught/i);
    const unanswered = sent.filter((s) => 'error' in s.outcome);
    expect(
      unanswered.map((s) => ({ startedIn: s.startedIn, outcome: s.outcome })),
      'requests that got no answer',
    ).toEqual([]);
    const wrongWhileDown = sent
      .filter((s) => s.startedIn === 'down' && s.endedIn === 'down')
      .filter((s) => !('status' in s.outcome) || s.outcome.status !== 503);
    expect(
      wrongWhileDown.map((s) => s.outcome),
      'answers other than 503 while down',
    ).toEqual([]);

    const stored = await readInboxBodyCounts(databaseUrl);
    const acknowledged = sent.filter((s) => 'status' in s.outcome && s.outcome.status === 200);
    const lost = acknowledged.filter((s) => !stored.has(sha256(s.body)));
    expect(lost.length, `of ${acknowledged.length} bodies answered 200, missing from the inbox`).toBe(0);
    passed++;
  });

  it('starts while the database is down, says why on /healthz, and serves once it is back', {
    timeout: 90_000,
  }, async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    proxy.setMode('reset');
    const waiting = new Cluster(viaProxy(databaseUrl, proxy));
    try {
      const node = await waiting.start('all');
      const health = await httpRequest(`${node.url}/healthz`);
      expect(health.status).toBe(200);
      expect(health.json()).toMatchObject({
        status: 'waiting_for_store',
        reason: expect.stringMatching(/^cannot reach PostgreSQL at 127\.0\.0\.1:\d+\//),
      });
      expect(await readyStatus(node), '/readyz while the store is unreachable').toBe(503);
      const early = await postWebhook(node.url, taggedBody('reset-early'), REQUEST_TIMEOUT_MS);
      expect(early, 'a webhook before the store is open').toEqual({ status: 503 });

      proxy.setMode('forward');
      // The waiting listener hands the port to the full server: a probe may meet the moment between.
      const readyOrBetween = () => readyStatus(node).catch(() => 0);
      await waitFor(
        async () => (await readyOrBetween()) === 200,
        '/readyz 200 once PostgreSQL is back',
        30_000,
      );
      expect((await httpRequest(`${node.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const body = taggedBody('reset-late');
      expect(await postWebhook(node.url, body, REQUEST_TIMEOUT_MS)).toEqual({ status: 200 });
      expect((await readInboxBodyCounts(databaseUrl)).has(sha256(body))).toBe(true);
      expect(await exitedYet(node)).toBeUndefined();
      passed++;
    } finally {
      await waiting.stopAll();
    }
  });

  it('stops on SIGTERM while it waits for the database', { timeout: 60_000 }, async () => {
    const proxy = await startProxy();
    proxies.push(proxy);
    proxy.setMode('refuse');
    const waiting = new Cluster(viaProxy(databaseUrl, proxy));
    try {
      const node = await waiting.start('receiver');
      expect((await httpRequest(`${node.url}/healthz`)).json()).toMatchObject({
        status: 'waiting_for_store',
      });
      const exit = await node.kill('SIGTERM');
      expect(exit.signal, 'ended by its own exit, not by the signal').toBeNull();
      expect(node.stderr()).toMatch(/cannot reach PostgreSQL/);
    } finally {
      await waiting.stopAll();
    }
  });
});
