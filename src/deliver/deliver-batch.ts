import { eventJson } from '../events/json.js';
import type { ClaimedDelivery, RecordedAttempt } from '../store/delivery-ports.js';
import { type Decision, decideAfterAttempt, decisionEvent } from './decide.js';
import {
  announceAttempt,
  announceDecision,
  attemptRecord,
  type DeliverDeps,
  nextOf,
  sendableHeaders,
  USER_AGENT,
} from './deliver-one.js';
import { checkDeliveryTransition } from './delivery-states.js';
import { type AttemptRequest, postDelivery } from './http-attempt.js';
import { type AttemptOutcome, isEndpointFailure } from './outcome.js';
import { signatureHeaders } from './signing.js';

/**
 * One turn of one claimed batch (the deliveries of one batched subscription that the claim handed
 * out under one batch id): one signed POST whose body is the JSON array of their events, and one
 * answer for all of them. The breaker sees one request; each delivery gets its own attempt record
 * and its own decision from its own attempt count (so each becomes a dead letter of its own at the
 * end of its schedule), with one jitter draw and, for the ones that retry, one next attempt time:
 * the earliest any of them is due, so the batch comes back together and is sent again whole, under
 * the same id. A 410 disables the subscription once. When the breaker opened after the claim, the
 * whole batch is put back unsent, and nothing is counted.
 */
export async function deliverBatch(
  members: readonly ClaimedDelivery[],
  deps: DeliverDeps,
): Promise<Decision | 'deferred'> {
  const first = members[0];
  if (!first?.batchId) throw new Error('deliverBatch needs the members of one batch');
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
  const outcome: AttemptOutcome = await postDelivery(
    buildBatchRequest(members, attemptedAt, deps.timeoutMs),
    () => deps.clock.now(),
    deps.http,
  );
  deps.breakers.record(subscriptionId, isEndpointFailure(outcome));

  const now = deps.clock.now();
  const decisions = decideForBatch(members, outcome, deps, now);
  const record = attemptRecord(outcome, attemptedAt);
  const entries: RecordedAttempt[] = members.map((member, i) => ({
    deliveryId: member.id,
    owner: deps.owner,
    attempt: record,
    next: nextOf(decisions[i]!),
  }));
  await deps.recorder.addAll(entries);
  if (outcome.kind === 'gone') {
    await deps.store.updateSubscription(
      subscriptionId,
      { enabled: false },
      now,
      'the endpoint answered 410 Gone',
    );
  }
  announceAttempt(deps.bus, subscriptionId, outcome);
  for (const [i, member] of members.entries()) {
    announceDecision(deps.bus, member, outcome, decisions[i]!, now);
  }
  return decisions[0]!;
}

/** Each member's decision; the ones that retry all get the earliest of their next attempt times. */
function decideForBatch(
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

/**
 * The array body (each element exactly the single-delivery body of that event, `sequence`
 * included) and the Standard Webhooks headers signed over it, with the batch id as webhook-id.
 */
export function buildBatchRequest(
  members: readonly ClaimedDelivery[],
  now: number,
  timeoutMs: number,
): AttemptRequest {
  const first = members[0]!;
  const body = `[${members.map((member) => JSON.stringify(eventJson(member.event, member.sequence))).join(',')}]`;
  return {
    url: first.subscription.url,
    body,
    timeoutMs,
    headers: {
      ...sendableHeaders(first.subscription.headers),
      'user-agent': USER_AGENT,
      'webhook-batch-size': String(members.length),
      ...signatureHeaders(first.subscription.secret, first.batchId!, now, body),
    },
  };
}
