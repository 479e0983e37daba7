import { randomBytes } from 'node:crypto';
import type { TestEventData } from '../events/types.js';
import type { Subscription } from '../store/delivery-ports.js';
import { buildRequest } from './deliver-one.js';
import { DeliveryHttp, postDelivery } from './http-attempt.js';
import { type AttemptOutcome, describeOutcome } from './outcome.js';

/**
 * One signed `wahook.test` event sent to a subscription now, outside the queue: nothing is stored,
 * retried or dead-lettered, and the target policy applies as for every delivery. It is built and
 * signed like a real delivery, so a subscriber that verifies this one verifies the real ones.
 */
export const TEST_EVENT_TYPE = 'wahook.test';

export interface TestEventResult {
  eventId: string;
  outcome: AttemptOutcome['kind'];
  status: number | null;
  latencyMs: number;
  /** What went wrong, in words; null on success. */
  error: string | null;
}

export async function sendTestEvent(
  subscription: Pick<Subscription, 'id' | 'url' | 'secret' | 'headers'>,
  options: { now: number; timeoutMs: number; allowPrivate: boolean },
): Promise<TestEventResult> {
  const eventId = `evt_test_${randomBytes(9).toString('base64url')}`;
  const request = buildRequest(
    {
      id: 0,
      lane: 'live',
      attempts: 0,
      sequence: 0,
      createdAt: options.now,
      batchId: null,
      subscription,
      event: {
        seq: 0,
        id: eventId,
        type: TEST_EVENT_TYPE,
        schemaVersion: 1,
        createdAt: options.now,
        orderingKey: `test:${subscription.id}`,
        phoneNumberId: null,
        data: {
          test: true,
          message: 'A test event from wahook: nothing to process.',
        } satisfies TestEventData,
      },
    },
    options.now,
    options.timeoutMs,
  );
  const http = new DeliveryHttp({ allowPrivate: options.allowPrivate });
  try {
    const outcome = await postDelivery(request, () => options.now, http);
    return {
      eventId,
      outcome: outcome.kind,
      status: 'status' in outcome ? outcome.status : null,
      latencyMs: Math.round('latencyMs' in outcome ? outcome.latencyMs : 0),
      error: errorOf(outcome),
    };
  } finally {
    await http.close();
  }
}

/** A test changes nothing, so a 410 to it says what a real delivery would do instead. */
function errorOf(outcome: AttemptOutcome): string | null {
  if (outcome.kind === 'success') return null;
  if (outcome.kind === 'gone') {
    return 'HTTP 410 Gone: the endpoint asks wahook to stop; a real delivery would disable the subscription';
  }
  return describeOutcome(outcome) ?? outcome.kind;
}
