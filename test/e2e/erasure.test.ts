import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  cloudWebhook,
  PHONE_NUMBER_ID,
  postSigned,
  readInboxCounts,
  startPipelineServer,
  testWamid,
  waitUntilSettled,
} from '../helpers/pipeline.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';
import { adminRequest, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { runWahook } from '../unit/cli/run-cli.js';

/**
 * Erasure end to end: webhooks over HTTP through the whole pipeline, `wahook erase` and POST
 * /v1/erasure, then the store read as bytes: after the erasure, the person's number, BSUID and
 * texts are in no byte of the SQLite database or WAL file, and in no column of any PostgreSQL
 * table. Another person's text, posted in the same body, must still be found, so the search can
 * fail.
 */
const LENA = { wa: '4915112345678', bsuid: 'DE.8841203399120045771', name: 'Lena Vogel' };
const TEXTS = {
  lena: 'Lenas secret order 7731 please',
  lenaReply: 'Lenas second note 4492',
  otto: 'Otto keeps his words 5510',
};
const OTTO = '4917600000042';

function textMessage(from: string, userId: string | null, text: string, n: number) {
  return {
    from,
    ...(userId ? { from_user_id: userId } : {}),
    id: testWamid('erase', n),
    timestamp: String(1_767_261_600 + n),
    type: 'text',
    text: { body: text },
  };
}

function messagesWebhook(contacts: unknown[], messages: unknown[]): Buffer {
  return cloudWebhook('messages', {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
    contacts,
    messages,
  });
}

async function fill(server: TestServer): Promise<void> {
  await postSigned(
    server.url,
    messagesWebhook(
      [{ profile: { name: LENA.name }, wa_id: LENA.wa, user_id: LENA.bsuid }],
      [textMessage(LENA.wa, LENA.bsuid, TEXTS.lena, 1)],
    ),
  );
  await postSigned(
    server.url,
    messagesWebhook(
      [
        { profile: { name: LENA.name }, wa_id: LENA.wa, user_id: LENA.bsuid },
        { profile: { name: 'Otto' }, wa_id: OTTO },
      ],
      [textMessage(LENA.wa, LENA.bsuid, TEXTS.lenaReply, 2), textMessage(OTTO, null, TEXTS.otto, 3)],
    ),
  );
  await waitUntilSettled(server.url, 2);
}

async function erase(server: TestServer) {
  const cli = await runWahook([
    'erase',
    '--wa-id',
    `+${LENA.wa}`,
    '--url',
    server.url,
    '--token',
    TEST_ADMIN_TOKEN,
    '--json',
  ]);
  expect(cli.stderr).toBe('');
  expect(cli.exitCode).toBe(0);
  const byNumber = JSON.parse(cli.stdout) as { erased: Record<string, number> };
  expect(byNumber.erased).toMatchObject({ messages: 2, events: 2, inbox_deleted: 1, inbox_redacted: 1 });
  // The BSUID names the same person; nothing of them is left for it to find.
  const byBsuid = await adminRequest(server.url, '/v1/erasure', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: LENA.bsuid }),
  });
  expect(byBsuid.status).toBe(200);
  expect(byBsuid.json<{ erased: Record<string, number> }>().erased).toEqual({
    messages: 0,
    events: 0,
    deliveries: 0,
    inbox_deleted: 0,
    inbox_redacted: 0,
    requests: 0,
    sends: 0,
    answers_redacted: 0,
    metadata_redacted: 0,
    inbox_errors_redacted: 0,
    send_messages_redacted: 0,
  });
  expect(await readInboxCounts(server.url)).toMatchObject({ total: 1 });
}

const PERSONAL = [LENA.wa, LENA.bsuid, LENA.name, TEXTS.lena, TEXTS.lenaReply];

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.cleanup()));
});

describe('erasure on SQLite', () => {
  it('leaves no byte of the person in the database and WAL files', async () => {
    const server = await startPipelineServer();
    servers.push(server);
    await fill(server);
    await erase(server);
    const files = [server.dbPath, `${server.dbPath}-wal`]
      .filter(existsSync)
      .map((path) => readFileSync(path));
    const bytes = Buffer.concat(files);
    expect(bytes.includes(TEXTS.otto)).toBe(true);
    for (const value of PERSONAL) expect(bytes.includes(value), value).toBe(false);
  });
});

describePostgres('erasure on PostgreSQL', () => {
  const schemas = new TestSchemas('erasure');
  let failed = false;
  afterAll(() => schemas.finish(failed));

  it('leaves the person in no column of any table', async () => {
    const { schema, url } = await schemas.create();
    const server = await startPipelineServer({ env: { WAHOOK_DATABASE_URL: url } });
    servers.push(server);
    try {
      await fill(server);
      await erase(server);
      const found = async (needle: string) => tablesHolding(schemas.admin, schema, needle);
      expect(await found(TEXTS.otto)).toEqual(expect.arrayContaining(['inbox.body', 'events.data']));
      for (const value of PERSONAL) expect(await found(value), value).toEqual([]);
    } catch (err) {
      failed = true;
      throw err;
    }
  });
});

/** `table.column` of every column in the schema whose value holds `needle` (bytea as bytes). */
async function tablesHolding(db: pg.Pool, schema: string, needle: string): Promise<string[]> {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.column_name`,
    [schema],
  );
  const holding: string[] = [];
  for (const { table_name, column_name, data_type } of columns.rows) {
    const column = `"${column_name}"`;
    const test =
      data_type === 'bytea'
        ? `position(convert_to($1, 'UTF8') in ${column}) > 0`
        : `strpos(${column}::text, $1) > 0`;
    const result = await db.query(`SELECT 1 FROM "${schema}"."${table_name}" WHERE ${test} LIMIT 1`, [
      needle,
    ]);
    if ((result.rowCount ?? 0) > 0) holding.push(`${table_name}.${column_name}`);
  }
  return holding;
}
