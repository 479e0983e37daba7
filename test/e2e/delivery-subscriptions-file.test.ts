import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createDeliveryStage } from '../../src/deliver/stage.js';
import { systemClock } from '../../src/lib/clock.js';
import { Wakeups } from '../../src/lib/wakeups.js';
import { Bus } from '../../src/observe/bus.js';
import {
  type BackendStore,
  commitEvents,
  describeEachStore,
  makeEvent,
} from '../helpers/delivery-fixtures.js';

/** WAHOOK_SUBSCRIPTIONS_FILE applied by the delivery stage at start, against a real store on each backend. */
let temp: BackendStore | undefined;
afterEach(async () => {
  await temp?.close();
  temp = undefined;
});

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

async function applyFile(content: unknown): Promise<void> {
  const path = join(temp!.dir, 'subscriptions.json');
  writeFileSync(path, JSON.stringify(content));
  const stage = createDeliveryStage({
    config: {
      retryDelaysMs: [5],
      deliveryTimeoutMs: 1_000,
      subscriptionsFile: path,
      deliveryAllowPrivate: true,
    },
    runLoop: false,
    store: temp!.store,
    bus: new Bus(),
    clock: systemClock,
    wakeups: new Wakeups((signal, error) => console.error(`a ${signal} listener threw`, error)),
  });
  stage.start();
  await stage.stop();
}

async function deliveredEvents(subscriptionId: string): Promise<string[]> {
  const rows = await temp!.rows<{ event_id: string }>(
    'SELECT event_id FROM deliveries WHERE subscription_id = $1 ORDER BY id',
    [subscriptionId],
  );
  return rows.map((row) => row.event_id);
}

describeEachStore('subscriptions file', (stores) => {
  it('creates, updates and disables file subscriptions, keeping a secret the file leaves out', async () => {
    temp = await stores.open();
    await applyFile({
      subscriptions: [
        { id: 'erp', url: 'https://erp.example.com/hooks', events: ['message.*'], secret: SECRET },
        { id: 'crm', url: 'https://crm.example.com/hooks' },
      ],
    });
    const crm = await temp.store.getSubscription('crm');
    expect(crm).toMatchObject({ source: 'file', enabled: true, events: ['*'] });
    expect(crm?.secret).toMatch(/^whsec_/);
    expect((await temp.store.getSubscription('erp'))?.secret).toBe(SECRET);

    await applyFile([
      { id: 'crm', url: 'https://crm.example.com/v2/hooks', headers: { 'X-Tenant': 'acme' } },
    ]);
    expect(await temp.store.getSubscription('crm')).toMatchObject({
      url: 'https://crm.example.com/v2/hooks',
      headers: { 'x-tenant': 'acme' },
      secret: crm?.secret,
    });
    expect(await temp.store.getSubscription('erp')).toMatchObject({
      enabled: false,
      disabledReason: 'removed from WAHOOK_SUBSCRIPTIONS_FILE',
    });
  });

  it('gives a new subscription only the events committed after it', async () => {
    temp = await stores.open();
    const [before] = await commitEvents(temp.store, [makeEvent('wamid.F1')]);
    await applyFile([{ id: 'late', url: 'https://late.example.com/' }]);
    const [after] = await commitEvents(temp.store, [makeEvent('wamid.F2')]);
    expect(await deliveredEvents('late')).toEqual([after!.id]);
    expect(before).toBeDefined();
  });

  it('refuses a bad file when the stage is built, naming the setting and the field', async () => {
    temp = await stores.open();
    await expect(applyFile([{ id: 'bad', url: 'mailto:ops@example.com' }])).rejects.toThrow(
      /WAHOOK_SUBSCRIPTIONS_FILE=.*: 0\.url: must be an absolute http/,
    );
  });
});
