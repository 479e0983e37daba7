import { eventJson } from '../events/json.js';
import type { ClaimedDelivery } from '../store/delivery-ports.js';
import type { Decision } from './decide.js';
import { type DeliverDeps, deliverTurn, sendableHeaders, USER_AGENT } from './deliver-one.js';
import type { AttemptRequest } from './http-attempt.js';
import { signatureHeaders } from './signing.js';

/**
 * One turn of one claimed batch (the deliveries of one batched subscription that the claim handed
 * out under one batch id): one signed POST whose body is the JSON array of their events, and one
 * answer for all of them (deliverTurn: one request for the breaker, a record and a decision per
 * delivery, retries kept together so the batch goes again whole under the same id).
 */
export async function deliverBatch(
  members: readonly ClaimedDelivery[],
  deps: DeliverDeps,
): Promise<Decision | 'deferred'> {
  if (!members[0]?.batchId) throw new Error('deliverBatch needs the members of one batch');
  return deliverTurn(members, (now) => buildBatchRequest(members, now, deps.timeoutMs), deps);
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
