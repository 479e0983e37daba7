import { describe, expect, it } from 'vitest';
import { decideAfterAttempt, decisionEvent } from '../../../src/deliver/decide.js';
import { type AttemptOutcome, classifyResponse, isEndpointFailure } from '../../../src/deliver/outcome.js';

const now = Date.parse('2026-01-31T12:00:00Z');
const answer = (status: number, extra: { retryAfter?: string; location?: string } = {}) =>
  classifyResponse(
    {
      status,
      retryAfter: extra.retryAfter ?? null,
      location: extra.location ?? null,
      latencyMs: 12,
      responsePrefix: 'body',
    },
    now,
  );

describe('attempt outcome classification', () => {
  it('counts every 2xx as success', () => {
    for (const status of [200, 201, 202, 204, 299]) expect(answer(status).kind).toBe('success');
  });

  it('treats 410 as "stop sending" and 3xx as a redirect that is not followed', () => {
    expect(answer(410).kind).toBe('gone');
    expect(answer(301, { location: 'https://new.example.com/' })).toMatchObject({
      kind: 'redirect',
      location: 'https://new.example.com/',
    });
    expect(answer(308).kind).toBe('redirect');
  });

  it('keeps Retry-After of any error answer', () => {
    expect(answer(429, { retryAfter: '30' })).toMatchObject({ kind: 'http_error', retryAfterMs: 30_000 });
    expect(answer(503, { retryAfter: 'Sat, 31 Jan 2026 12:01:00 GMT' })).toMatchObject({
      retryAfterMs: 60_000,
    });
    expect(answer(500)).toMatchObject({ kind: 'http_error', retryAfterMs: null });
    expect(answer(404).kind).toBe('http_error');
  });

  it('counts everything but success against the breaker', () => {
    expect(isEndpointFailure(answer(200))).toBe(false);
    expect(isEndpointFailure(answer(500))).toBe(true);
    expect(isEndpointFailure({ kind: 'timeout', latencyMs: 15_000, timeoutMs: 15_000 })).toBe(true);
  });
});

describe('what follows an attempt (decided in one place)', () => {
  const policy = { delaysMs: [1_000, 10_000] };
  const noJitter = () => 0.5;
  const failures: AttemptOutcome[] = [
    answer(500),
    answer(302),
    { kind: 'timeout', latencyMs: 15_000, timeoutMs: 15_000 },
    { kind: 'connection_error', latencyMs: 3, message: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9' },
  ];

  it('finishes a delivery on success', () => {
    expect(decideAfterAttempt(answer(204), 1, policy, now, noJitter)).toEqual({ kind: 'succeeded' });
  });

  it('retries every kind of failure on schedule, then makes it a dead letter', () => {
    for (const failure of failures) {
      expect(decideAfterAttempt(failure, 1, policy, now, noJitter)).toMatchObject({
        kind: 'retry',
        nextAttemptAt: now + 1_000,
      });
      expect(decideAfterAttempt(failure, 2, policy, now, noJitter)).toMatchObject({
        kind: 'retry',
        nextAttemptAt: now + 10_000,
      });
      const last = decideAfterAttempt(failure, 3, policy, now, noJitter);
      expect(last.kind).toBe('dead');
      expect(decisionEvent(last)).toBe('failed_last_retry');
    }
  });

  it('waits at least as long as Retry-After asks', () => {
    const decision = decideAfterAttempt(answer(503, { retryAfter: '120' }), 1, policy, now, noJitter);
    expect(decision).toMatchObject({ kind: 'retry', nextAttemptAt: now + 120_000 });
  });

  it('disables the subscription on 410, even with retries left', () => {
    const decision = decideAfterAttempt(answer(410), 1, policy, now, noJitter);
    expect(decision.kind).toBe('disable_subscription');
    expect(decisionEvent(decision)).toBe('subscription_disabled');
  });

  it('names the problem and the fix in the error it records', () => {
    expect(
      decideAfterAttempt(answer(301, { location: 'https://x.example/' }), 1, policy, now, noJitter),
    ).toMatchObject({
      error: expect.stringContaining('update the subscription URL'),
    });
    expect(decideAfterAttempt(failures[2]!, 3, policy, now, noJitter)).toMatchObject({
      error: expect.stringContaining('WAHOOK_DELIVERY_TIMEOUT'),
    });
  });
});
