import { afterEach, expect, it } from 'vitest';
import { Bus } from '../../src/observe/bus.js';
import { createStuckScanner } from '../../src/send/stuck.js';
import { createStages } from '../../src/stages.js';
import type { Store } from '../../src/store/ports.js';
import { sqlOps as postgresSqlOps } from '../../src/store/postgres/sql.js';
import type { PostgresStore } from '../../src/store/postgres/store.js';
import { sqlOps as sqliteSqlOps } from '../../src/store/sqlite/sql.js';
import type { SqliteStore } from '../../src/store/sqlite/store.js';
import { describeEachStore, startSubscriber } from '../helpers/delivery-fixtures.js';
import { FAKE_TOKEN, PHONE_NUMBER_ID as GRAPH_NUMBER_ID, startFakeGraph } from '../helpers/fake-graph.js';
import { cloudWebhook, PHONE_NUMBER_ID, postSigned, testWamid } from '../helpers/pipeline.js';
import { adminRequest, httpRequest, startTestServerOn, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Erasure of what the records beside the events keep about a person: a subscriber's answer that
 * echoed a batch (kept on the other person's attempts and dead letter), the rejected-request log
 * (a refused path that names the number), and sends through the Graph API with their idempotency
 * key, stuck flag and business metadata. Each test makes the data through the product over HTTP,
 * erases through POST /v1/erasure, then searches every column of every table for the number and
 * the text, and reads the admin listings. Otto, whose records must stay, keeps the search honest.
 */
const LENA = { wa: '4915112345678', text: 'Lenas parcel code 7731' };
const OTTO = { wa: '4917600000042', text: 'Otto keeps his words 5510' };

function textMessage(from: string, text: string, n: number) {
  return {
    from,
    id: testWamid('side', n),
    timestamp: String(1_767_261_600 + n),
    type: 'text',
    text: { body: text },
  };
}

/** One webhook body with a message from each of them. */
function bothWrite(): Buffer {
  return cloudWebhook('messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
    contacts: [
      { profile: { name: 'Lena' }, wa_id: LENA.wa },
      { profile: { name: 'Otto' }, wa_id: OTTO.wa },
    ],
    messages: [textMessage(LENA.wa, LENA.text, 1), textMessage(OTTO.wa, OTTO.text, 2)],
  });
}

async function erase(server: TestServer, waId: string): Promise<Record<string, number>> {
  const answer = await adminRequest(server.url, '/v1/erasure', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wa_id: waId }),
  });
  expect(answer.status, answer.text()).toBe(200);
  return answer.json<{ erased: Record<string, number> }>().erased;
}

/** `table.column` of every column of every table of the server's store whose value holds `needle`. */
async function columnsHolding(store: Store, needle: string): Promise<string[]> {
  const holding: string[] = [];
  if (store.dialect === 'sqlite') {
    const ops = sqliteSqlOps((store as SqliteStore).db);
    const columns = await ops.query<{ t: string; c: string }>(
      `SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p
       WHERE m.type = 'table' ORDER BY 1, 2`,
    );
    for (const { t, c } of columns.rows) {
      const hit = await ops.query(
        `SELECT 1 FROM "${t}" WHERE instr(CAST("${c}" AS BLOB), CAST($1 AS BLOB)) > 0 LIMIT 1`,
        [needle],
      );
      if (hit.rows.length > 0) holding.push(`${t}.${c}`);
    }
    return holding;
  }
  const ops = postgresSqlOps((store as PostgresStore).pool);
  const columns = await ops.query<{ t: string; c: string; type: string }>(
    `SELECT c.table_name AS t, c.column_name AS c, c.data_type AS type FROM information_schema.columns c
     JOIN information_schema.tables x ON x.table_schema = c.table_schema AND x.table_name = c.table_name
     WHERE c.table_schema = current_schema() AND x.table_type = 'BASE TABLE' ORDER BY 1, 2`,
  );
  for (const { t, c, type } of columns.rows) {
    const test =
      type === 'bytea' ? `position(convert_to($1, 'UTF8') in "${c}") > 0` : `strpos("${c}"::text, $1) > 0`;
    const hit = await ops.query(`SELECT 1 FROM "${t}" WHERE ${test} LIMIT 1`, [needle]);
    if (hit.rows.length > 0) holding.push(`${t}.${c}`);
  }
  return holding;
}

const HOUR = 3_600_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface DeadLetter {
  id: string;
  event_id: string;
  last_error: string | null;
}

interface InboxListing {
  inbox: { id: number; state: string; error: string | null }[];
}

describeEachStore('erasure of answers, the rejected log and sends', (stores) => {
  it('replaces the quarantine reason that quotes the person and keeps the row', async () => {
    const server = await startTestServerOn(stores, { env: { WAHOOK_ROLES: 'all' }, stages: createStages });
    cleanups.push(server.cleanup);
    // A relay that mangled her BSUID: the body is quarantined with a reason that quotes it.
    const bsuid = 'DE.8841203399120045771';
    const body = cloudWebhook('messages', {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
      contacts: [
        { profile: { name: 'Lena' }, wa_id: LENA.wa, user_id: bsuid },
        { profile: { name: 'Otto' }, wa_id: OTTO.wa },
      ],
      messages: [
        { ...textMessage(LENA.wa, LENA.text, 1), from_user_id: `${bsuid}\u0007` },
        textMessage(OTTO.wa, OTTO.text, 2),
      ],
    });
    await postSigned(server.url, body);
    const quarantined = async () =>
      (await adminRequest(server.url, '/v1/inbox?state=quarantined')).json<InboxListing>().inbox;
    await waitFor(async () => (await quarantined()).length === 1, 'the quarantined row');
    expect((await quarantined())[0]?.error).toContain(bsuid);

    // Her number takes her items out of the body; the reason quotes only her BSUID.
    const byNumber = await erase(server, LENA.wa);
    expect(byNumber).toMatchObject({ inbox_redacted: 1 });
    const byBsuid = await adminRequest(server.url, '/v1/erasure', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: bsuid }),
    });
    expect(byBsuid.status, byBsuid.text()).toBe(200);
    for (const value of [LENA.wa, bsuid, LENA.text])
      expect(await columnsHolding(server.server.store, value), value).toEqual([]);
    expect(byNumber.inbox_errors_redacted).toBe(0);
    expect(byBsuid.json<{ erased: Record<string, number> }>().erased).toMatchObject({
      inbox_deleted: 0,
      inbox_redacted: 0,
      inbox_errors_redacted: 1,
    });
    const [row] = await quarantined();
    expect(row?.error).toBe('[reason erased]');
    const kept = await adminRequest(server.url, `/v1/inbox/${row?.id}`);
    expect(kept.json<{ body: string }>().body).toContain(OTTO.text);
  });

  it('clears the answer a subscriber echoed for a batch from the other person’s attempts and dead letter', async () => {
    const server = await startTestServerOn(stores, {
      env: { WAHOOK_ROLES: 'all', WAHOOK_DELIVERY_RETRY_DELAYS: '5ms' },
      stages: createStages,
    });
    cleanups.push(server.cleanup);
    // A business system that fails and quotes what it was sent, as many frameworks' error pages do.
    const sink = await startSubscriber(({ body }) => ({ status: 500, body: `rejected: ${body}` }));
    cleanups.push(sink.close);
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        url: sink.url,
        events: ['message.received'],
        batch: { max_events: 2, max_wait: '1s' },
      }),
    });
    expect(created.status, created.text()).toBe(201);
    await postSigned(server.url, bothWrite());
    const deadLetters = async () =>
      (await adminRequest(server.url, '/v1/dead-letters')).json<{ dead_letters: DeadLetter[] }>()
        .dead_letters;
    await waitFor(async () => (await deadLetters()).length === 2, 'two dead letters');
    expect(sink.received[0]?.body).toContain(LENA.text);

    const erased = await erase(server, LENA.wa);
    expect(erased).toMatchObject({ events: 1, deliveries: 1 });
    // Otto's delivery: its last error and both attempts' answers and errors.
    expect(erased.answers_redacted).toBeGreaterThanOrEqual(3);

    const left = await deadLetters();
    expect(left).toHaveLength(1);
    const otto = await adminRequest(server.url, `/v1/dead-letters/${left[0]!.id}`);
    const listing = otto.text();
    expect(listing).toContain('HTTP 500');
    for (const value of [LENA.wa, LENA.text]) {
      expect(listing, value).not.toContain(value);
      expect(await columnsHolding(server.server.store, value), value).toEqual([]);
    }
    expect(await columnsHolding(server.server.store, OTTO.text)).toEqual(
      expect.arrayContaining(['events.data']),
    );
  });

  it('deletes rejected requests whose path names the person', async () => {
    const server = await startTestServerOn(stores, { env: { WAHOOK_ROLES: 'all' }, stages: createStages });
    cleanups.push(server.cleanup);
    for (const number of [LENA.wa, OTTO.wa]) {
      const refused = await httpRequest(`${server.url}/webhooks/whatsapp/customers/${number}?x=1`);
      expect(refused.status).toBe(404);
    }
    const paths = async () =>
      (await adminRequest(server.url, '/v1/requests'))
        .json<{ requests: { path: string }[] }>()
        .requests.map((request) => request.path);
    await waitFor(async () => (await paths()).length === 2, 'two rejected requests in the log');

    expect(await erase(server, `+${LENA.wa}`)).toMatchObject({ requests: 1 });
    expect(await paths()).toEqual([`/webhooks/whatsapp/customers/${OTTO.wa}`]);
    expect(await columnsHolding(server.server.store, LENA.wa)).toEqual([]);
  });

  it('replaces the person’s number in the text of a send to someone else, and keeps the send', async () => {
    const graph = await startFakeGraph({ openWindows: true });
    cleanups.push(graph.close);
    const server = await startTestServerOn(stores, {
      env: { WAHOOK_GRAPH_API_URL: graph.url, WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN },
      stages: createStages,
    });
    cleanups.push(server.cleanup);
    const send = async (text: string, key: string) => {
      const answer = await adminRequest(server.url, '/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number_id: GRAPH_NUMBER_ID,
          to: `+${OTTO.wa}`,
          message: { type: 'text', text: { body: text } },
          idempotency_key: key,
        }),
      });
      expect(answer.status, answer.text()).toBe(202);
      return answer.json<{ id: string }>().id;
    };
    const referral = await send(`${OTTO.text}: Lena (+49 151 1234 5678) sent you a voucher`, 'referral');
    const other = await send(`${OTTO.text}: call 49151123456789 for help`, 'help');

    const erased = await erase(server, LENA.wa);
    // Her digits stay only inside the longer number, checked below.
    expect(await columnsHolding(server.server.store, '+49 151 1234 5678')).toEqual([]);
    expect(erased).toMatchObject({ sends: 0, send_messages_redacted: 1 });
    const store = server.server.store;
    const ops =
      store.dialect === 'sqlite'
        ? sqliteSqlOps((store as SqliteStore).db)
        : postgresSqlOps((store as PostgresStore).pool);
    const messages = (await ops.query<{ id: string; message: string }>('SELECT id, message FROM sends')).rows;
    expect(Object.fromEntries(messages.map((row) => [row.id, JSON.parse(row.message)]))).toEqual({
      [referral]: { type: 'text', text: { body: `${OTTO.text}: Lena ([erased]) sent you a voucher` } },
      // Someone else's longer number stays.
      [other]: { type: 'text', text: { body: `${OTTO.text}: call 49151123456789 for help` } },
    });
  });

  it('removes a send to the person with its idempotency key, stuck flag and business metadata', async () => {
    const graph = await startFakeGraph({ openWindows: true });
    cleanups.push(graph.close);
    const server = await startTestServerOn(stores, {
      // The default roles: no stuck scan of the server's own clears the judgement made below.
      env: { WAHOOK_GRAPH_API_URL: graph.url, WAHOOK_GRAPH_ACCESS_TOKEN: FAKE_TOKEN },
      stages: createStages,
    });
    cleanups.push(server.cleanup, async () => graph.fake.webhooks.stop());
    graph.fake.webhooks.configure({ url: `${server.url}/webhooks/whatsapp`, appSecret: 'test_app_secret_1' });
    const send = async (to: string, text: string, key: string, metadata: Record<string, string>) => {
      const answer = await adminRequest(server.url, '/v1/messages', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone_number_id: GRAPH_NUMBER_ID,
          to,
          message: { type: 'text', text: { body: text } },
          metadata,
          idempotency_key: key,
        }),
      });
      expect(answer.status, answer.text()).toBe(202);
      return answer.json<{ id: string; wamid: string }>();
    };
    const statusOf = async (wamid: string) =>
      (await adminRequest(server.url, `/v1/messages/${encodeURIComponent(wamid)}`)).json<{
        status?: string;
      }>().status;
    // Her phone is off: her message stops at `sent`, and the stuck scan flags it.
    graph.fake.chaos = { ...graph.fake.chaos, onlySent: true };
    const toLena = await send(`+49 151 1234 5678`, `${LENA.text} is ready`, `parcel-${LENA.wa}`, {
      customer_phone: `+${LENA.wa}`,
    });
    await waitFor(async () => (await statusOf(toLena.wamid)) === 'sent', 'the sent status of Lena’s send');
    graph.fake.chaos = { ...graph.fake.chaos, onlySent: false };
    // Otto's send carries business context that names her: he was referred by her.
    const toOtto = await send(`+${OTTO.wa}`, `${OTTO.text} too`, `parcel-${OTTO.wa}`, {
      customer_phone: `+${OTTO.wa}`,
      referred_by: `+49 151 1234 5678`,
    });
    await waitFor(async () => (await statusOf(toOtto.wamid)) === 'read', 'the read status of Otto’s send');
    await createStuckScanner({
      store: server.server.store,
      // Past both limits, and not so far that the scan horizon leaves these sends behind.
      clock: { now: () => Date.now() + 2 * HOUR - 60_000 },
      bus: new Bus(),
      options: { sentAfterMs: 5 * 60_000, deliveredAfterMs: HOUR },
    }).runOnce();
    const stuck = async () => (await adminRequest(server.url, '/v1/messages?stuck=true')).text();
    expect(await stuck()).toContain(toLena.wamid);

    const erased = await erase(server, LENA.wa);
    // Otto's send and its message context lose the field that named her.
    expect(erased).toMatchObject({ sends: 1, metadata_redacted: 2 });
    const ottoMessage = await adminRequest(server.url, `/v1/messages/${encodeURIComponent(toOtto.wamid)}`);
    expect(ottoMessage.json<{ metadata: unknown }>().metadata).toEqual({ customer_phone: `+${OTTO.wa}` });
    const referred = await adminRequest(
      server.url,
      `/v1/messages?metadata.referred_by=${encodeURIComponent('+49 151 1234 5678')}`,
    );
    expect(referred.json<{ messages: unknown[] }>().messages).toEqual([]);
    expect((await adminRequest(server.url, `/v1/sends/${toLena.id}`)).status).toBe(404);
    expect((await adminRequest(server.url, `/v1/sends/${toOtto.id}`)).status).toBe(200);
    expect(await stuck()).not.toContain(toLena.wamid);
    for (const value of [LENA.wa, '+49 151 1234 5678', LENA.text])
      expect(await columnsHolding(server.server.store, value), value).toEqual([]);
    expect(await columnsHolding(server.server.store, OTTO.text)).toEqual(
      expect.arrayContaining(['sends.message']),
    );
  });
});
