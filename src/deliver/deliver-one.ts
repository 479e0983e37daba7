import { eventJson } from '../events/json.js';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { AttemptRecord, ClaimedDelivery, DeliveryNext, DeliveryQueue } from '../store/delivery-ports.js';
import { VERSION } from '../version.js';
import type { AttemptRecorder } from './attempt-recorder.js';
import type { CircuitBreakers } from './circuit.js';
import { type Decision, decideAfterAttempt, decisionEvent } from './decide.js';
import { checkDeliveryTransition } from './delivery-states.js';
import { type AttemptRequest, type DeliveryHttp, postDelivery } from './http-attempt.js';
import { type AttemptOutcome, describeOutcome, isEndpointFailure } from './outcome.js';
import type { Random } from './schedule.js';
import { signatureHeaders } from './signing.js';
import { isRefusedHeader } from './subscription-input.js';

/** What one delivery turn needs: the store, the recorder, the breakers, the HTTP client. */
export interface DeliverDeps {
  store: Pick<DeliveryQueue, 'deferDeliveries'>;
  recorder: AttemptRecorder;
  bus: Bus;
  clock: Clock;
  random: Random;
  breakers: CircuitBreakers;
  http: DeliveryHttp;
  owner: string;
  retryDelaysMs: readonly number[];
  timeoutMs: number;
}

export const USER_AGENT = `wahook/${VERSION} (+https://www.standardwebhooks.com)`;

export async function deliverClaimed(
  delivery: ClaimedDelivery,
  deps: DeliverDeps,
): Promise<Decision | 'deferred'> {
  return deliverTurn([delivery], (now) => buildRequest(delivery, now, deps.timeoutMs), deps);
}

/**
 * One request for the claimed deliveries of one subscription (one delivery, or the members of a
 * batch): the breaker sees one request; each delivery gets its own attempt record and its own
 * decision from its own attempt count, with one jitter draw and, for the ones that retry, the
 * earliest next attempt time of them all, so a batch comes back together. A 410 disables the
 * subscription once, in the transaction that records the attempts. When the breaker opened after the claim, all are put back unsent and nothing
 * is counted. Answers the first delivery's decision.
 */
export async function deliverTurn(
  members: readonly ClaimedDelivery[],
  request: (now: number) => AttemptRequest,
  deps: DeliverDeps,
): Promise<Decision | 'deferred'> {
  const first = members[0];
  if (!first) throw new Error('deliverTurn needs at least one delivery');
  const subscriptionId = first.subscription.id;
  const admission = deps.breakers.admit(subscriptionId);
  if (!admission.send) {
    checkDeliveryTransition('pending', 'deferred_by_breaker');
    await deps.store.deferDeliveries(
      members.map((member) => ({ deliveryId: member.id, owner: deps.owner, nextAttemptAt: admission.until })),
    );
    return 'deferred';
  }
  const attemptedAt = deps.clock.now();
  const outcome: AttemptOutcome = await postDelivery(request(attemptedAt), () => deps.clock.now(), deps.http);
  deps.breakers.record(subscriptionId, isEndpointFailure(outcome));

  const now = deps.clock.now();
  const decisions = decideForMembers(members, outcome, deps, now);
  const attempt = attemptRecord(outcome, attemptedAt);
  const entries = members.map((member, i) => ({
    deliveryId: member.id,
    owner: deps.owner,
    attempt,
    next: nextOf(decisions[i] as Decision),
  }));
  // A 410 disables the subscription in the transaction that records it (nextOf).
  await deps.recorder.addAll(entries);
  announceAttempt(deps.bus, subscriptionId, outcome);
  members.forEach((member, i) => {
    announceDecision(deps.bus, member, outcome, decisions[i] as Decision, now);
  });
  return decisions[0] as Decision;
}

/** Each delivery's decision; the ones that retry all get the earliest of their next attempt times. */
function decideForMembers(
  members: readonly ClaimedDelivery[],
  outcome: AttemptOutcome,
  deps: Pick<DeliverDeps, 'random' | 'retryDelaysMs'>,
  now: number,
): Decision[] {
  const draw = deps.random();
  const decisions = members.map((member) =>
    decideAfterAttempt(outcome, member.attempts + 1, { delaysMs: deps.retryDelaysMs }, now, () => draw),
  );
  const retryAt = Math.min(
    ...decisions.map((decision) => (decision.kind === 'retry' ? decision.nextAttemptAt : Infinity)),
  );
  return decisions.map((decision) => {
    checkDeliveryTransition('pending', decisionEvent(decision));
    return decision.kind === 'retry'
      ? { ...decision, nextAttemptAt: retryAt, delayMs: retryAt - now }
      : decision;
  });
}

export function buildRequest(delivery: ClaimedDelivery, now: number, timeoutMs: number): AttemptRequest {
  const body = JSON.stringify(eventJson(delivery.event, delivery.sequence));
  return {
    url: delivery.subscription.url,
    body,
    timeoutMs,
    headers: {
      ...sendableHeaders(delivery.subscription.headers),
      'user-agent': USER_AGENT,
      'webhook-sequence': String(delivery.sequence),
      ...signatureHeaders(delivery.subscription.secret, delivery.event.id, now, body),
    },
  };
}

/** A subscription stored before a header name was refused does not send it either. */
export function sendableHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !isRefusedHeader(name)));
}

export function attemptRecord(outcome: AttemptOutcome, attemptedAt: number): AttemptRecord {
  return {
    attemptedAt,
    outcome: outcome.kind,
    status: 'status' in outcome ? outcome.status : null,
    latencyMs: 'latencyMs' in outcome ? outcome.latencyMs : 0,
    responsePrefix: 'responsePrefix' in outcome ? outcome.responsePrefix : null,
    error: describeOutcome(outcome),
  };
}

/** Why a subscription a 410 disabled stopped receiving: the store keeps it as its `disabled_reason`. */
const GONE_REASON = 'the endpoint answered 410 Gone';

export function nextOf(decision: Decision): DeliveryNext {
  switch (decision.kind) {
    case 'succeeded':
      return { state: 'succeeded' };
    case 'retry':
      return { state: 'pending', nextAttemptAt: decision.nextAttemptAt };
    case 'dead':
      return { state: 'dead', error: decision.error };
    case 'disable_subscription':
      return { state: 'dead', error: decision.error, disableSubscription: GONE_REASON };
  }
}

/** One request to the subscriber (a batch is one). */
export function announceAttempt(bus: Bus, subscriptionId: string, outcome: AttemptOutcome): void {
  bus.emit('delivery:attempt', {
    subscriptionId,
    outcome: outcome.kind,
    status: 'status' in outcome ? outcome.status : null,
    latencyMs: 'latencyMs' in outcome ? outcome.latencyMs : 0,
  });
}

/** What the attempt decided for one delivery (each member of a batch has its own). */
export function announceDecision(
  bus: Bus,
  delivery: ClaimedDelivery,
  outcome: AttemptOutcome,
  decision: Decision,
  now: number,
): void {
  const subscriptionId = delivery.subscription.id;
  if (decision.kind === 'succeeded') {
    bus.emit('delivery:succeeded', {
      subscriptionId,
      endToEndMs: Math.max(0, now - delivery.event.createdAt),
    });
  } else if (decision.kind === 'retry') {
    bus.emit('delivery:retry_scheduled', {
      deliveryId: delivery.id,
      eventId: delivery.event.id,
      subscriptionId,
      errorClass: outcome.kind,
      status: 'status' in outcome ? outcome.status : null,
      attempt: delivery.attempts + 1,
      nextAttemptAt: decision.nextAttemptAt,
    });
  } else if (decision.kind === 'dead') {
    bus.emit('delivery:dead', { subscriptionId, reason: 'retries_exhausted' });
  } else if (decision.kind === 'disable_subscription') {
    bus.emit('delivery:dead', { subscriptionId, reason: 'subscription_disabled' });
  }
}
