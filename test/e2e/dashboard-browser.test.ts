import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus } from '../../src/observe/bus.js';
import { createStuckScanner } from '../../src/send/stuck.js';
import { createStages } from '../../src/stages.js';
import { launchBrowser, screenshot, seriousViolations } from '../helpers/browser.js';
import { type Answer, type Subscriber, startSubscriber } from '../helpers/delivery-fixtures.js';
import { cloudWebhook, PHONE_NUMBER_ID, postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { adminRequest, httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The dashboard in a real browser: sign in with the token, then each page as an operator uses it,
 * with an axe-core scan of every page and the console checked for CSP violations.
 */
describe('dashboard in Chromium', () => {
  let server: TestServer;
  let subscriber: Subscriber;
  let answer: Answer = { status: 410 };
  let subscriptionId = '';
  const failedWamid = testWamid('failed', 1);
  const lateWamid = testWamid('late', 1);
  const stuckWamid = testWamid('stuck', 1);
  let closeBrowser: () => Promise<void>;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
    // A subscriber that answers 410 Gone: its first delivery disables the subscription and leaves a dead letter.
    subscriber = await startSubscriber(() => answer);
    const created = await adminRequest(server.url, '/v1/subscriptions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: subscriber.url, events: ['message.status'], description: 'crm' }),
    });
    subscriptionId = created.json<{ id: string }>().id;
    const now = Math.floor(Date.now() / 1000);
    await postSigned(
      server.url,
      cloudWebhook('messages', {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
        statuses: [
          {
            id: failedWamid,
            status: 'failed',
            timestamp: String(now),
            recipient_id: '447700900123',
            errors: [{ code: 131047, title: 'Re-engagement message', message: 'Re-engagement message' }],
          },
        ],
      }),
    );
    // read arrives first, then an older delivered: out of order, and a downgrade that changes nothing.
    await postSigned(server.url, statusWebhook([{ wamid: lateWamid, status: 'read', timestamp: now - 10 }]));
    await waitFor(
      async () => (await server.server.store.getMessage(lateWamid)) !== undefined,
      'the read status',
    );
    await postSigned(
      server.url,
      statusWebhook([{ wamid: lateWamid, status: 'delivered', timestamp: now - 20 }]),
    );
    // Signed, stored, but not JSON: quarantined.
    await postSigned(server.url, '{"object": "whatsapp_business_account", "entry": [');
    await postSigned(
      server.url,
      statusWebhook([{ wamid: testWamid('overview', 1), status: 'sent', timestamp: now }]),
    );
    // One request without a signature: rejected, kept in the log.
    await httpRequest(`${server.url}/webhooks/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    await waitFor(
      async () => (await server.server.store.listRejected({ limit: 1 })).length === 1,
      'the rejected request logged',
    );
    // A send WhatsApp accepted that never heard a status, judged by the stuck scan an hour later.
    const sentAt = Date.now();
    const sendId = `snd_${sentAt.toString(36).padStart(9, '0')}stuck`;
    await server.server.store.createSend({
      id: sendId,
      idempotencyKey: null,
      requestHash: 'h',
      phoneNumberId: PHONE_NUMBER_ID,
      input: '+447700900456',
      recipient: '+447700900456',
      recipientKind: 'phone',
      messageType: 'text',
      message: { type: 'text', text: { body: 'hi' } },
      metadata: { booking: 'b-42' },
      createdAt: sentAt,
    });
    await server.server.store.finishSend(sendId, { state: 'accepted', wamid: stuckWamid }, sentAt);
    await createStuckScanner({
      store: server.server.store,
      clock: { now: () => sentAt + 3_600_000 },
      bus: new Bus(),
      options: { sentAfterMs: 300_000, deliveredAfterMs: 3_600_000 },
    }).runOnce();
    const launched = await launchBrowser();
    closeBrowser = launched.close;
    page = await launched.context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
  }, 60_000);

  afterAll(async () => {
    await closeBrowser?.();
    await server?.cleanup();
    await subscriber?.close();
  });

  it('sends an unsigned visitor to the sign-in form, refuses a wrong token, and signs in', async () => {
    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the admin token');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in-refused');

    await page.getByLabel('Admin token').fill(TEST_ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${server.url}/dashboard`);
    // The refused sign-in above logged its 401 on purpose; from here on the console must stay clean.
    consoleErrors.length = 0;
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'wahook_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Strict');
  });

  it('shows the overview with its charts, each described for screen readers', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.locator('#chart-ack canvas').first().waitFor();
    expect(await page.getByRole('heading', { name: 'Overview', level: 1 }).isVisible()).toBe(true);
    for (const id of ['ack', 'inbound', 'backlog', 'dead']) {
      const plot = page.locator(`#chart-${id}`);
      expect(await plot.getAttribute('role')).toBe('img');
      expect(await plot.getAttribute('aria-describedby')).toBe(`chart-${id}-d`);
    }
    expect(await page.getByText("Meta's target 250 ms").count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'overview');
  });

  it('focuses the search with / and opens the help with ?', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.keyboard.press('/');
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { id: string } | null } }).document
            .activeElement?.id,
      ),
    ).toBe('global-q');
    await page.keyboard.press('Escape');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('?');
    expect(await page.locator('#help').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    expect(await page.locator('#help').isVisible()).toBe(false);
  });

  it('finds a message by wamid and explains its error', async () => {
    await page.goto(`${server.url}/dashboard`);
    await page.keyboard.press('/');
    await page.keyboard.type(failedWamid);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/dashboard\/messages\/wamid/);
    expect(await page.getByRole('heading', { name: 'Errors, explained' }).isVisible()).toBe(true);
    const explanation = await page.locator('.explanation').first().textContent();
    expect(explanation).toContain('131047');
    expect(explanation).toMatch(/24-hour|24 hours/);
    // The recipient's number is masked until revealed.
    expect(await page.locator('main').textContent()).not.toContain('447700900123');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'message-failed');
  });

  it('finds messages by phone number, and names an out-of-order downgrade on the timeline', async () => {
    await page.goto(`${server.url}/dashboard/messages?q=${encodeURIComponent('+44 7700 900123')}`);
    expect(await page.locator('tbody tr[data-row]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'messages-by-phone');
    await waitFor(
      async () => (await server.server.store.getMessage(lateWamid))?.status === 'read',
      'both statuses',
    );
    await waitFor(
      async () => (await server.server.store.listEventsByKey(`msg:${lateWamid}`, 10)).length === 2,
      'the delivered status processed',
    );
    await page.goto(`${server.url}/dashboard/messages/${encodeURIComponent(lateWamid)}`);
    const notes = await page.locator('.notes').allTextContents();
    expect(notes.join(' ')).toContain('arrived out of order');
    expect(notes.join(' ')).toContain('ignored downgrade: read stays');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'message-timeline');
  });

  it('filters the messages page to stuck messages, with the stage and the metadata', async () => {
    await page.goto(`${server.url}/dashboard/messages`);
    expect(await page.locator(`text=${stuckWamid}`).count()).toBe(0);
    await page.getByLabel('Stuck only').check();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/stuck=true/);
    const rows = page.locator('tbody tr[data-row]');
    expect(await rows.count()).toBe(1);
    const row = await rows.first().textContent();
    expect(row).toContain(stuckWamid);
    expect(row).toContain('no sent');
    expect(row).toContain('booking=b-42');
    expect(row).not.toContain('447700900456');
    expect(await page.getByLabel('Stuck only').isChecked()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'messages-stuck');
  });

  it("shows a rejected request's verdict", async () => {
    await page.goto(`${server.url}/dashboard/requests`);
    const verdict = page.locator('.verdict').first();
    expect(await verdict.textContent()).toContain('No X-Hub-Signature-256 header');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'requests');
  });

  it('reprocesses a quarantined row after a dry run', async () => {
    await page.goto(`${server.url}/dashboard/inbox`);
    expect(await page.getByRole('table').textContent()).toContain('invalid JSON');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'inbox');
    await page
      .getByRole('link', { name: /^row \d+$/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Dry run' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Would be quarantined again');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'inbox-row-dry-run');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reprocess' }).click();
    await page.waitForURL(/\/dashboard\/inbox\?done=requeued/);
    expect(await page.getByRole('status').textContent()).toContain('1 inbox row(s) put back to pending');
  });

  it('re-enables a subscription that a 410 disabled', async () => {
    answer = { status: 200 };
    await page.goto(`${server.url}/dashboard/subscriptions`);
    const row = page.locator(`#sub-${subscriptionId}`);
    expect(await row.textContent()).toContain('disabled');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'subscriptions-disabled');
    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: `Enable again ${subscriptionId}` }).click();
    await page.waitForURL(/done=enabled/);
    expect(await page.locator(`#sub-${subscriptionId}`).textContent()).toContain('active');
    expect((await server.server.store.getSubscription(subscriptionId))?.enabled).toBe(true);
  });

  it('replays a dead letter after a dry run that counts it', async () => {
    await page.goto(`${server.url}/dashboard/deliveries?state=dead`);
    expect(await page.locator('tbody tr[data-row]').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'deliveries-dead');
    await page.getByRole('button', { name: /Dry run a replay of dead letter/ }).click();
    expect(await page.getByRole('status').textContent()).toContain('Would replay 1');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'replay-dry-run');
    const before = subscriber.received.length;
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Replay 1 now' }).click();
    await page.waitForURL(/done=replayed/);
    await waitFor(
      () => subscriber.received.some((r, i) => i >= before && r.status === 200),
      'the replayed delivery',
    );
  });

  it('answers a replay filter that names nothing with what to choose', async () => {
    await page.goto(`${server.url}/dashboard/deliveries?state=dead`);
    const logged = consoleErrors.length;
    await page.getByRole('button', { name: 'Dry run', exact: true }).click();
    expect(await page.getByRole('alert').textContent()).toBe(
      'choose a subscription, a time or an error text to replay by',
    );
    // The refusal answers 400 on purpose, and Chromium logs it; nothing else may be logged.
    expect(consoleErrors.splice(logged)).toEqual([
      'Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'replay-nothing-chosen');
  });

  it('moves through table rows with j and k', async () => {
    await page.goto(`${server.url}/dashboard/subscriptions`);
    await page.locator('h1').click();
    await page.keyboard.press('j');
    const focused = await page.evaluate(
      'document.activeElement && document.activeElement.closest("tr") ? document.activeElement.closest("tr").id : ""',
    );
    expect(focused).toBe(`sub-${subscriptionId}`);
  });

  it('runs no inline script and breaks no CSP rule', () => {
    expect(consoleErrors).toEqual([]);
  });
});
