import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { launchBrowser, screenshot, seriousViolations } from '../helpers/browser.js';
import { postSigned, statusWebhook, testWamid } from '../helpers/pipeline.js';
import { httpRequest, startTestServer, type TestServer, waitFor } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * The dashboard in a real browser: sign in with the token, then each page as an operator uses it,
 * with an axe-core scan of every page and the console checked for CSP violations.
 */
describe('dashboard in Chromium', () => {
  let server: TestServer;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    server = await startTestServer({ stages: createStages });
    const now = Math.floor(Date.now() / 1000);
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

  it('runs no inline script and breaks no CSP rule', () => {
    expect(consoleErrors).toEqual([]);
  });
});
