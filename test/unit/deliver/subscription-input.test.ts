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

  it('reads a batch policy, max_wait defaulting to 1s, and refuses limits it cannot honour', () => {
    const url = 'https://erp.example.com/hooks';
    expect(createSubscriptionBody.parse({ url }).batch).toBeNull();
    expect(
      createSubscriptionBody.parse({ url, batch: { max_events: 100, max_wait: '250ms' } }).batch,
    ).toEqual({
      maxEvents: 100,
      maxWaitMs: 250,
    });
    expect(createSubscriptionBody.parse({ url, batch: { max_events: 5 } }).batch).toEqual({
      maxEvents: 5,
      maxWaitMs: 1_000,
    });
    expect(problems({ url, batch: { max_events: 0 } })).toMatch(
      /^batch\.max_events: a whole number of events per POST, 1 to 1000/,
    );
    expect(problems({ url, batch: { max_events: 1001 } })).toMatch(/^batch\.max_events: /);
    expect(problems({ url, batch: { max_events: 2.5 } })).toMatch(/^batch\.max_events: /);
    expect(problems({ url, batch: { max_events: 5, max_wait: 'soon' } })).toMatch(
      /^batch\.max_wait: "soon" is not a duration/,
    );
    expect(problems({ url, batch: { max_events: 5, max_wait: '6m' } })).toMatch(
      /^batch\.max_wait: at most 5m/,
    );
    expect(problems({ url, batch: { max_events: 5, size: 1 } })).toMatch(/^batch: /);
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
    const batched = { ...entry, batch: { max_events: 50, max_wait: '2s' } };
    expect(readSubscriptionsFile(write(JSON.stringify([batched])), { allowPrivate: true })).toEqual([
      expect.objectContaining({ id: 'erp', batch: { maxEvents: 50, maxWaitMs: 2_000 } }),
    ]);
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
