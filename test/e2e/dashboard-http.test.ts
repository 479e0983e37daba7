import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStages } from '../../src/stages.js';
import { httpRequest, startTestServer, type TestServer } from '../helpers/server.js';
import { TEST_ADMIN_TOKEN } from '../helpers/signing.js';

/**
 * The dashboard's auth and headers over real HTTP: the redirect to sign in, the session cookie,
 * CSRF on every mutation, Origin checks, the CSP on every answer, and hashed immutable assets.
 */
let server: TestServer;
const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

beforeAll(async () => {
  server = await startTestServer({ stages: createStages });
});
afterAll(async () => server?.cleanup());

async function signIn(): Promise<{ cookie: string; csrf: string }> {
  const response = await httpRequest(`${server.url}/dashboard/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '/dashboard/inbox' }).toString(),
  });
  expect(response.status).toBe(303);
  expect(response.headers.location).toBe('/dashboard/inbox');
  const setCookie = String(response.headers['set-cookie']);
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  expect(setCookie).toMatch(/Path=\/dashboard/);
  const cookie = setCookie.split(';')[0]!;
  const page = await httpRequest(`${server.url}/dashboard`, { headers: { cookie } });
  expect(page.status).toBe(200);
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.text())?.[1];
  expect(csrf).toBeTruthy();
  return { cookie, csrf: csrf! };
}

describe('dashboard auth', () => {
  it('sends a visitor without a session to the sign-in form, keeping where they were going', async () => {
    const response = await httpRequest(`${server.url}/dashboard?window=360`);
    expect(response.status).toBe(303);
    expect(response.headers.location).toBe('/dashboard/sign-in?next=%2Fdashboard%3Fwindow%3D360');
  });

  it('lets a request with the Bearer token through, and refuses a wrong one', async () => {
    expect((await httpRequest(`${server.url}/dashboard`, { headers: bearer })).status).toBe(200);
    const wrong = await httpRequest(`${server.url}/dashboard`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(303);
  });

  it('refuses a wrong token at sign-in and never redirects off the dashboard', async () => {
    const refused = await httpRequest(`${server.url}/dashboard/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=wrong',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers['set-cookie']).toBeUndefined();
    const offsite = await httpRequest(`${server.url}/dashboard/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TEST_ADMIN_TOKEN, next: '//evil.example/x' }).toString(),
    });
    expect(offsite.headers.location).toBe('/dashboard');
  });

  it('answers 429 to an address after ten wrong tokens, even with the right one', async () => {
    const guesser = await startTestServer({ stages: createStages });
    try {
      const attempt = (token: string) =>
        httpRequest(`${guesser.url}/dashboard/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ token }).toString(),
        });
      for (let i = 0; i < 10; i++) expect((await attempt(`guess-${i}`)).status).toBe(401);
      const blocked = await attempt(TEST_ADMIN_TOKEN);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.headers['set-cookie']).toBeUndefined();
    } finally {
      await guesser.cleanup();
    }
  });

  it('refuses a forged or tampered session cookie', async () => {
    const { cookie } = await signIn();
    const tampered = `${cookie.slice(0, -2)}xx`;
    expect((await httpRequest(`${server.url}/dashboard`, { headers: { cookie: tampered } })).status).toBe(
      303,
    );
  });

  it('needs the CSRF token and the same Origin for a mutation from a session', async () => {
    const { cookie, csrf } = await signIn();
    const post = (body: string, headers: Record<string, string> = {}) =>
      httpRequest(`${server.url}/dashboard/sign-out`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    expect((await post('')).status).toBe(403);
    expect((await post('_csrf=forged')).status).toBe(403);
    expect((await post(`_csrf=${csrf}`, { origin: 'https://evil.example' })).status).toBe(403);
    const ok = await post(`_csrf=${csrf}`, { origin: server.url });
    expect(ok.status).toBe(303);
    expect(String(ok.headers['set-cookie'])).toMatch(/Max-Age=0/);
  });
});

describe('dashboard headers', () => {
  it('sends a strict CSP and the other security headers on pages', async () => {
    for (const path of ['/dashboard/sign-in', '/dashboard']) {
      const response = await httpRequest(`${server.url}${path}`, { headers: bearer });
      const csp = String(response.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it('serves the assets under hashed names, cached for good, without a session', async () => {
    const page = (await httpRequest(`${server.url}/dashboard`, { headers: bearer })).text();
    const names = [...page.matchAll(/\/dashboard\/assets\/([\w.]+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const asset = await httpRequest(`${server.url}/dashboard/assets/${name}`);
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toContain('immutable');
    }
    expect((await httpRequest(`${server.url}/dashboard/assets/nope.js`)).status).toBe(404);
  });
});
