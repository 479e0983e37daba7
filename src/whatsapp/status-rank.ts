/**
 * Which status a message is "at", decided from the whole set of status updates it has received,
 * never from the order they arrived in. WhatsApp sends status webhooks concurrently and retries
 * them independently, so `read` can arrive before `sent`, and duplicates are normal.
 *
 * The statuses and what each means for the current status:
 *
 * - `sent` < `delivered` < `read`: progress. The current status is the highest rank seen and
 *   never moves backwards: a late `delivered` after `read` changes nothing. `read` implies
 *   delivered (WhatsApp sends no `delivered` when both happen at once), but we do not invent the
 *   missing `delivered` timestamp: the record shows only what the sender said.
 * - `played` (first play of a voice message, from November 2025): ranked above `read`. It implies
 *   delivered, and a voice note can only be played in an open chat, so in practice it comes after
 *   `read`; it is also the stronger signal (the user listened, not just looked). When read
 *   receipts are off, `played` may be the only sign of life after `delivered`.
 * - `failed`: terminal over every progress status, including `delivered` and `read` reported with
 *   older or equal timestamps, UNLESS a `delivered`, `read` or `played` update carries a sender
 *   timestamp strictly newer than the latest `failed` — that proves the message got through after
 *   the failure, and the highest progress status wins again. (Meta does not state this rule; it is
 *   our reading of how failures follow sends.) `sent` never overturns `failed`: a message can be
 *   sent and then fail to deliver. `played` counts as proof because it implies delivered.
 * - `deleted`, `warning` and any word we do not know: kept in the history, but they never change
 *   the current status. Only when nothing else is known does the latest of them become the status,
 *   so a record always has one.
 * - `received`: the one status of an inbound message (a message the user sent us); it never comes
 *   from a status webhook and ranks below `sent`.
 * - `echoed`: a message the business sent from the WhatsApp Business app or a linked device, as
 *   its echo reports it (coexistence). Progress below `sent`: the echo says the business sent it,
 *   not that WhatsApp accepted it, so any status webhook of the message outranks it.
 *
 * `rank` orders updates that share a sender timestamp in the history; `kind` decides the status.
 */

export type StatusKind = 'progress' | 'failure' | 'note';

export interface StatusRule {
  kind: StatusKind;
  rank: number;
  /** A newer update of this status overturns an earlier `failed`. */
  provesDelivery: boolean;
}

export const STATUS_RULES = {
  received: { kind: 'progress', rank: 0, provesDelivery: false },
  echoed: { kind: 'progress', rank: 1, provesDelivery: false },
  sent: { kind: 'progress', rank: 2, provesDelivery: false },
  delivered: { kind: 'progress', rank: 3, provesDelivery: true },
  read: { kind: 'progress', rank: 4, provesDelivery: true },
  played: { kind: 'progress', rank: 5, provesDelivery: true },
  failed: { kind: 'failure', rank: 6, provesDelivery: false },
  deleted: { kind: 'note', rank: 7, provesDelivery: false },
  warning: { kind: 'note', rank: 8, provesDelivery: false },
} as const satisfies Record<string, StatusRule>;

export type KnownStatus = keyof typeof STATUS_RULES;

const UNKNOWN_STATUS_RULE: StatusRule = { kind: 'note', rank: 9, provesDelivery: false };

export function statusRule(status: string): StatusRule {
  // hasOwn, so that a status word like "constructor" cannot pick up an Object property.
  return Object.hasOwn(STATUS_RULES, status) ? STATUS_RULES[status as KnownStatus] : UNKNOWN_STATUS_RULE;
}

/** A status word with its sender timestamp (any unit, as long as all points use the same). */
export interface StatusPoint {
  status: string;
  timestamp: number;
}

/** History order: sender timestamp, then rank, then the status word, so the order is total. */
export function compareStatusPoints(a: StatusPoint, b: StatusPoint): number {
  return (
    a.timestamp - b.timestamp ||
    statusRule(a.status).rank - statusRule(b.status).rank ||
    compareText(a.status, b.status)
  );
}

/** The current status of a message given every distinct update it has; null only for none. */
export function decideCurrentStatus(points: readonly StatusPoint[]): string | null {
  const progress = highest(
    points.filter((p) => statusRule(p.status).kind === 'progress'),
    byRank,
  );
  const failure = highest(
    points.filter((p) => statusRule(p.status).kind === 'failure'),
    compareStatusPoints,
  );
  if (failure !== undefined) {
    const overturned = points.some(
      (p) => statusRule(p.status).provesDelivery && p.timestamp > failure.timestamp,
    );
    if (!overturned || progress === undefined) return failure.status;
  }
  if (progress !== undefined) return progress.status;
  return highest(points, compareStatusPoints)?.status ?? null;
}

function byRank(a: StatusPoint, b: StatusPoint): number {
  return statusRule(a.status).rank - statusRule(b.status).rank || compareStatusPoints(a, b);
}

function highest(points: readonly StatusPoint[], compare: (a: StatusPoint, b: StatusPoint) => number) {
  let best: StatusPoint | undefined;
  for (const point of points) if (best === undefined || compare(point, best) > 0) best = point;
  return best;
}

/** Code-unit comparison: unlike localeCompare it is the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What each status word means on the user's side, in the words of the WhatsApp app. */
export const STATUS_MEANING: Record<string, string> = {
  sent: "left Meta's servers (one grey tick)",
  delivered: "reached the user's phone (two grey ticks)",
  read: 'displayed to the user in an open chat (two blue ticks)',
  played: 'the user played the voice message',
  failed: 'could not be sent or delivered (see the errors)',
  received: 'the user sent it to the business',
  deleted: 'the user deleted it',
  warning: 'sent with a warning (see the errors)',
};
