import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAfterAttempt, decisionEvent } from '../../../src/deliver/decide.js';
import { checkDeliveryTransition, type DeliveryState } from '../../../src/deliver/delivery-states.js';
import type { AttemptOutcome } from '../../../src/deliver/outcome.js';

const NOW = Date.parse('2026-01-31T12:00:00Z');

const outcomes: fc.Arbitrary<AttemptOutcome> = fc.oneof(
  fc.record({
    kind: fc.constant('success' as const),
    status: fc.integer({ min: 200, max: 299 }),
    latencyMs: fc.nat(),
    responsePrefix: fc.string(),
  }),
  fc.record({
    kind: fc.constant('http_error' as const),
    status: fc.integer({ min: 400, max: 599 }).filter((status) => status !== 410),
    latencyMs: fc.nat(),
    responsePrefix: fc.string(),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 86_400_000 })),
  }),
  fc.record({
    kind: fc.constant('gone' as const),
    status: fc.constant(410 as const),
    latencyMs: fc.nat(),
    responsePrefix: fc.string(),
  }),
  fc.record({
    kind: fc.constant('redirect' as const),
    status: fc.constantFrom(301, 302, 307, 308),
    latencyMs: fc.nat(),
    location: fc.option(fc.webUrl()),
  }),
  fc.record({ kind: fc.constant('timeout' as const), latencyMs: fc.nat(), timeoutMs: fc.nat() }),
  fc.record({ kind: fc.constant('connection_error' as const), latencyMs: fc.nat(), message: fc.string() }),
);

const STATE_OF: Record<ReturnType<typeof decideAfterAttempt>['kind'], DeliveryState> = {
  succeeded: 'succeeded',
  retry: 'pending',
  dead: 'dead',
  disable_subscription: 'dead',
};

describe('decideAfterAttempt', () => {
  it('decides only moves the delivery state table allows from pending, to the state it names', () => {
    fc.assert(
      fc.property(
        outcomes,
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { maxLength: 8 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (outcome, attemptsMade, delaysMs, jitter) => {
          const decision = decideAfterAttempt(outcome, attemptsMade, { delaysMs }, NOW, () => jitter);
          expect(checkDeliveryTransition('pending', decisionEvent(decision))).toBe(STATE_OF[decision.kind]);
          if (decision.kind === 'retry') {
            expect(attemptsMade).toBeLessThanOrEqual(delaysMs.length);
            expect(decision.nextAttemptAt).toBe(NOW + decision.delayMs);
            expect(decision.delayMs).toBeGreaterThanOrEqual(0);
          }
          if (outcome.kind === 'success') expect(decision.kind).toBe('succeeded');
          if (outcome.kind === 'gone') expect(decision.kind).toBe('disable_subscription');
        },
      ),
    );
  });

  it('gives up once the retry schedule is used up, whatever the failure', () => {
    fc.assert(
      fc.property(
        outcomes.filter((outcome) => outcome.kind !== 'success' && outcome.kind !== 'gone'),
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { maxLength: 8 }),
        (outcome, delaysMs) => {
          const decision = decideAfterAttempt(outcome, delaysMs.length + 1, { delaysMs }, NOW, () => 0.5);
          expect(decision).toMatchObject({ kind: 'dead', error: expect.stringContaining('gave up after') });
        },
      ),
    );
  });
});
