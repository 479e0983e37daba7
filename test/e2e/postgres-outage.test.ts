import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMMIT_TIMEOUT_MS } from '../../src/inbox/group-commit.js';
import { Cluster, type PostOutcome, postWebhook, readInboxBodyCounts, sha256 } from '../helpers/cluster.js';
import { describePostgres, TEST_DATABASE_URL, TestSchemas } from '../helpers/postgres.js';
import { type ChildServer, httpRequest } from '../helpers/server.js';
import { taggedBody } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';
import { type ProxyMode, TcpProxy } from '../store-contract/tcp-proxy.js';

/**
 * A receiver whose PostgreSQL goes away under load: while the database is unreachable the
 * receiver must answer 503 (Meta then retries), never 200 without a commit and never leave
 * a request hanging; /readyz must take it out of a load balancer's rotation; and when the database
 * is back the same process answers 200 again. The outage is staged with a TCP proxy in between.
 */
const SENDERS = 4;
/**
 * How long a webhook may take to be answered. A request that arrives just after a commit went out
 * waits for that commit's deadline and then for its own batch's, so the receiver's worst case is
 * two commit deadlines; the margin is for a busy machine, not for a hang.
 */
const REQUEST_TIMEOUT_MS = 2 * COMMIT_TIMEOUT_MS + 2_000;
const ANSWERS_AFTER_RESTORE = 100;
const OUTAGE_MS = 3_000;

type Phase = 'before' | 'down' | 'after';

interface Sent {
  body: Buffer;
  startedIn: Phase;
  endedIn: Phase;
  outcome: PostOutcome;
  tookMs: number;
}

describePostgres('a receiver during a PostgreSQL outage', () => {
  const schemas = new TestSchemas('pg_outage');
  let proxy: TcpProxy;
  let cluster: Cluster;
  let databaseUrl: string;
  let receiver: ChildServer;
  let passed = false;

  beforeAll(async () => {
    databaseUrl = (await schemas.create()).url;
    const target = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(databaseUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    cluster = new Cluster(viaProxy.toString());
    receiver = await cluster.start('receiver');
  }, 60_000);

  afterAll(async () => {
    await cluster?.stopAll();
    await proxy?.close();
    await schemas.finish(!passed);
  });

  const readyStatus = async () =>
    (await httpRequest(`${receiver.url}/readyz`, { timeoutMs: REQUEST_TIMEOUT_MS })).status;

  /** Sends until the outage in `mode` has been answered for a while and 200s came back after it. */
  async function sendThroughOutage(mode: ProxyMode, answersWhileDown: number): Promise<Sent[]> {
    let phase: Phase = 'before';
    let downSince = 0;
    let stop = false;
    const sent: Sent[] = [];
    const count = (from: Phase, status: number) =>
      sent.filter((s) => s.startedIn === from && 'status' in s.outcome && s.outcome.status === status).length;

    const sender = async (lane: number) => {
      for (let n = 0; !stop; n++) {
        const body = taggedBody(`outage-${mode}-${lane}-${n}`);
        const startedIn = phase;
        const started = Date.now();
        const outcome = await postWebhook(receiver.url, body, REQUEST_TIMEOUT_MS);
        sent.push({ body, startedIn, endedIn: phase, outcome, tookMs: Date.now() - started });
      }
    };
    const senders = Promise.all(Array.from({ length: SENDERS }, (_, lane) => sender(lane)));

    try {
      await waitFor(() => count('before', 200) >= 50, '50 webhooks stored before the outage', 20_000);

      proxy.setMode(mode);
      phase = 'down';
      downSince = Date.now();
      expect(await readyStatus(), '/readyz while the database is unreachable').toBe(503);
      // The outage lasts a few seconds, not one burst of failures, so idle pooled connections die too.
      await waitFor(
        () => count('down', 503) >= answersWhileDown && Date.now() - downSince >= OUTAGE_MS,
        `${answersWhileDown} answers of 503 during a ${OUTAGE_MS} ms outage`,
        60_000,
      );
      expect(await readyStatus(), '/readyz still down before the restore').toBe(503);

      proxy.setMode('forward');
      phase = 'after';
      await waitFor(
        async () => (await readyStatus()) === 200,
        '/readyz to answer 200 after the restore',
        20_000,
      );
      await waitFor(
        () => count('after', 200) >= ANSWERS_AFTER_RESTORE,
        `${ANSWERS_AFTER_RESTORE} webhooks stored after the restore without a restart`,
        30_000,
      );
    } finally {
      stop = true;
      await senders;
    }
    return sent;
  }

  async function expectOnly503WhileDownAndNothingLost(sent: readonly Sent[]): Promise<void> {
    const unanswered = sent.filter((s) => 'error' in s.outcome);
    expect(
      unanswered.map(({ startedIn, endedIn, outcome, tookMs }) => ({ startedIn, endedIn, outcome, tookMs })),
      'requests that hung or lost their connection',
    ).toEqual([]);
    const wrongWhileDown = sent
      .filter((s) => s.startedIn === 'down' && s.endedIn === 'down')
      .filter((s) => !('status' in s.outcome) || s.outcome.status !== 503);
    expect(
      wrongWhileDown.map((s) => s.outcome),
      'answers other than 503 during the outage',
    ).toEqual([]);

    const stored = await readInboxBodyCounts(databaseUrl);
    const acknowledged = sent.filter((s) => 'status' in s.outcome && s.outcome.status === 200);
    const lost = acknowledged.filter((s) => !stored.has(sha256(s.body)));
    expect(lost.length, `of ${acknowledged.length} bodies answered 200, missing from the inbox`).toBe(0);
  }

  it('answers 503 while the database refuses connections and 200 again once it is back', {
    timeout: 90_000,
  }, async () => {
    await expectOnly503WhileDownAndNothingLost(await sendThroughOutage('refuse', 40));
  });

  it('answers 503 within the request deadline while the network swallows packets', {
    timeout: 90_000,
  }, async () => {
    // Each answer waits out a client-side deadline of some seconds here, so fewer of them.
    await expectOnly503WhileDownAndNothingLost(await sendThroughOutage('blackhole', 2 * SENDERS));
    passed = true;
  });
});
