import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/lib/clock.js';
import { Wakeups } from '../../src/lib/wakeups.js';
import { Bus } from '../../src/observe/bus.js';
import { fromStoredRecord } from '../../src/process/stored-record.js';
import { createProcessingWorker } from '../../src/process/worker.js';
import { createPostgresStore, type PostgresStore } from '../../src/store/postgres/store.js';
import { describePostgres, TestSchemas } from '../helpers/postgres.js';

/**
 * A customer can send a text holding a NUL character; JSON carries it as `\u0000`, which
 * PostgreSQL's JSONB refuses. The message must become an event and a record like any other, not
 * fail until its inbox row is quarantined.
 */
const TEXT = 'Bestellung 4711\u0000 bitte prüfen';
const WAMID = 'wamid.HBgLMTYzMTU1NTExODEVAgASGBQzRUIwRjlBOTJCNzU2QUI0MTNGMgA=';

function body(): Buffer {
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
    contacts: [{ profile: { name: 'Kim' }, wa_id: '16315551181' }],
    messages: [
      { from: '16315551181', id: WAMID, timestamp: '1767261600', type: 'text', text: { body: TEXT } },
    ],
  };
  const envelope = {
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }],
  };
  return Buffer.from(JSON.stringify(envelope));
}

describePostgres('a message text with a NUL character on PostgreSQL', () => {
  const schemas = new TestSchemas('nul_text');
  let store: PostgresStore;
  let passed = 0;

  beforeAll(async () => {
    store = await createPostgresStore((await schemas.create()).url);
  });

  afterAll(async () => {
    await store?.close();
    await schemas.finish(passed < 3);
  });

  /** Appends one body and runs a worker until its row is done, or until the first failed batch. */
  async function processOne(raw: Buffer): Promise<{ id: number; outcome: string }> {
    const [id] = await store.appendInboxBatch([
      {
        receivedAt: Date.now(),
        source: 'meta',
        auth: 'hmac',
        contentType: 'application/json',
        headers: {},
        body: raw,
      },
    ]);
    const bus = new Bus();
    // The first failed batch answers at once, rather than after the retries up to quarantine.
    const outcome = new Promise<string>((resolve) => {
      bus.on('process:row', (row) => resolve(row.outcome));
      bus.on('process:batch_failed', (event) => resolve(`batch failed: ${event.error}`));
    });
    const worker = createProcessingWorker({
      store,
      bus,
      clock: systemClock,
      wakeups: new Wakeups((signal, error) => console.error(`a ${signal} listener threw`, error)),
      pollMs: 50,
    });
    worker.start();
    try {
      return { id: id!, outcome: await outcome };
    } finally {
      await worker.stop();
    }
  }

  it('is processed into an event and a message record that keep the text', async () => {
    expect(body().includes('\\u0000')).toBe(true);
    const { id, outcome } = await processOne(body());
    expect(outcome).toBe('processed');
    expect((await store.getInboxRow(id))?.state).toBe('processed');
    const [event] = await store.listEvents({ afterSeq: 0, limit: 10 });
    expect(event).toMatchObject({ type: 'message.received' });
    expect(JSON.stringify(event!.data)).toContain(JSON.stringify(TEXT));
    const message = await store.getMessage(WAMID);
    expect(fromStoredRecord(WAMID, message!.record)).toMatchObject({ id: WAMID, status: 'received' });
    passed += 1;
  });

  it('quarantines a body with a raw NUL byte, with a reason that names it', async () => {
    const { id, outcome } = await processOne(
      Buffer.from('{"object":"whatsapp_business_account","entry":\u0000}'),
    );
    expect(outcome).toBe('quarantined');
    expect(await store.getInboxRow(id)).toMatchObject({
      state: 'quarantined',
      error: "invalid JSON: Unexpected token '\\u0000'",
    });
    passed += 1;
  });

  it('quarantines at once a body whose message id holds a NUL, instead of failing batch after batch', async () => {
    const statuses = [
      { id: 'wamid.\u0000', status: 'sent', timestamp: '1767261600', recipient_id: '16315551181' },
    ];
    const value = {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
      statuses,
    };
    const envelope = {
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value }] }],
    };
    const { id, outcome } = await processOne(Buffer.from(JSON.stringify(envelope)));
    expect(outcome).toBe('quarantined');
    expect((await store.getInboxRow(id))?.error).toMatch(
      /^item 0 \(status\): id "wamid\.\\u0000" holds a control character/,
    );
    passed += 1;
  });
});
