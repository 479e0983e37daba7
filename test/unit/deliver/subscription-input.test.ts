import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSubscriptionBody } from '../../../src/deliver/subscription-input.js';
import { readSubscriptionsFile } from '../../../src/deliver/subscriptions-file.js';
import { describeIssues } from '../../../src/lib/describe-issues.js';
import { subscriptionMatches } from '../../../src/store/delivery-ports.js';

function problems(body: unknown): string {
  const parsed = createSubscriptionBody.safeParse(body);
  if (parsed.success) throw new Error('expected the body to be refused');
  return describeIssues(parsed.error);
}

describe('subscription input', () => {
  it('fills defaults: all events, enabled, no filters', () => {
    expect(createSubscriptionBody.parse({ url: 'https://erp.example.com/hooks' })).toMatchObject({
      events: ['*'],
      enabled: true,
      phone_number_ids: null,
      headers: {},
    });
  });

  it('refuses a bad URL naming the field and the fix', () => {
    for (const url of ['erp.example.com/hooks', 'ftp://erp.example.com/', 'http://', 'not a url']) {
      expect(problems({ url })).toMatch(/^url: must be an absolute http:\/\/ or https:\/\/ URL, e\.g\./);
    }
    expect(problems({})).toMatch(/^url: /);
  });

  it('refuses event patterns, headers and secrets it cannot honour', () => {
    expect(problems({ url: 'https://a.example/', events: [] })).toMatch(/events: list at least one/);
    expect(problems({ url: 'https://a.example/', events: ['Message Status'] })).toMatch(/^events\.0: /);
    expect(problems({ url: 'https://a.example/', headers: { 'webhook-id': 'x' } })).toMatch(
      /headers\.webhook-id: is set by wahook itself/,
    );
    expect(problems({ url: 'https://a.example/', headers: { 'x-a': 'one\r\ntwo' } })).toMatch(/line breaks/);
    expect(problems({ url: 'https://a.example/', secret: 'hunter2' })).toMatch(
      /^secret: must start with whsec_/,
    );
    expect(problems({ url: 'https://a.example/', colour: 'blue' })).toMatch(/unknown field\(s\) colour/);
  });

  it('refuses what a database or an HTTP request could not carry: control characters, header values beyond Latin-1', () => {
    // A URL parser accepts a NUL; PostgreSQL text does not, so the subscription could not be stored.
    expect(problems({ url: 'https://a.example/a\u0000b' })).toMatch(
      /^url: must not contain control characters/,
    );
    expect(problems({ url: 'https://a.example/', description: 'CRM\u0000' })).toMatch(
      /^description: must not contain control characters other than tabs and line breaks/,
    );
    expect(
      createSubscriptionBody.safeParse({ url: 'https://a.example/', description: 'CRM\n\tteam' }).success,
    ).toBe(true);
    expect(problems({ url: 'https://a.example/', headers: { 'x-a': 'price €' } })).toMatch(
      /^headers\.x-a: the value may hold only visible ASCII/,
    );
    expect(problems({ url: 'https://a.example/', headers: { 'x-a': 'a\u0007' } })).toMatch(/visible ASCII/);
    expect(
      createSubscriptionBody.safeParse({ url: 'https://a.example/', headers: { 'x-a': 'Grüße\tok' } })
        .success,
    ).toBe(true);
  });
});

describe('subscription matching', () => {
  const event = { type: 'message.status', phoneNumberId: '1065' };
  it('matches *, the exact type and a prefix pattern, and filters by business number', () => {
    expect(subscriptionMatches({ events: ['*'], phoneNumberIds: null }, event)).toBe(true);
    expect(subscriptionMatches({ events: ['message.status'], phoneNumberIds: null }, event)).toBe(true);
    expect(subscriptionMatches({ events: ['message.*'], phoneNumberIds: null }, event)).toBe(true);
    expect(subscriptionMatches({ events: ['message.received'], phoneNumberIds: null }, event)).toBe(false);
    expect(subscriptionMatches({ events: ['mess*'], phoneNumberIds: null }, event)).toBe(false);
    expect(subscriptionMatches({ events: ['*'], phoneNumberIds: ['1065'] }, event)).toBe(true);
    expect(subscriptionMatches({ events: ['*'], phoneNumberIds: ['999'] }, event)).toBe(false);
    expect(
      subscriptionMatches({ events: ['*'], phoneNumberIds: ['999'] }, { ...event, phoneNumberId: null }),
    ).toBe(false);
  });
});

describe('subscriptions file', () => {
  const write = (content: string) => {
    const path = join(mkdtempSync(join(tmpdir(), 'wahook-subs-')), 'subscriptions.json');
    writeFileSync(path, content);
    return path;
  };

  it('reads the object and the bare-array form', () => {
    const entry = { id: 'erp', url: 'https://erp.example.com/hooks', events: ['message.*'] };
    expect(
      readSubscriptionsFile(write(JSON.stringify({ subscriptions: [entry] })), { allowPrivate: true }),
    ).toEqual([expect.objectContaining({ id: 'erp', events: ['message.*'], secret: null, enabled: true })]);
    expect(readSubscriptionsFile(write(JSON.stringify([entry])), { allowPrivate: true })).toHaveLength(1);
  });

  it('names the file, the entry and the field of every problem', () => {
    const path = write(JSON.stringify({ subscriptions: [{ id: 'erp', url: 'erp.example.com' }] }));
    expect(() => readSubscriptionsFile(path, { allowPrivate: true })).toThrow(
      new RegExp(`WAHOOK_SUBSCRIPTIONS_FILE=${path}: subscriptions\\.0\\.url: must be an absolute`),
    );
    expect(() => readSubscriptionsFile(write('{'), { allowPrivate: true })).toThrow(/is not JSON/);
    const twice = write(
      JSON.stringify([
        { id: 'a', url: 'https://a.example/' },
        { id: 'a', url: 'https://b.example/' },
      ]),
    );
    expect(() => readSubscriptionsFile(twice, { allowPrivate: true })).toThrow(/"a" appears twice/);
    expect(() =>
      readSubscriptionsFile(join(tmpdir(), 'no-such-wahook-file.json'), { allowPrivate: true }),
    ).toThrow(/cannot be read/);
  });
});
