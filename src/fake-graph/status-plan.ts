/**
 * What status webhooks follow an accepted send (whatsapp-sending.md §8, §9.7–§9.8): the natural
 * path sent → delivered → read, bent by the chaos switches. Pure: the plan is a list of POSTs, each
 * a list of status items, so a test can reason about what the receiver will get.
 */
import { detailsOf, type StatusError, statusError } from './graph-errors.js';

export interface Chaos {
  /** POSTs in reverse order: read before delivered before sent. */
  reorder: boolean;
  /** Every POST sent twice. */
  duplicates: boolean;
  /** No `delivered` (the user had the chat open: read implies delivered). */
  skipDelivered: boolean;
  /** Only `sent`, as for a phone that stays offline until the TTL drops the message. */
  onlySent: boolean;
  /** `sent`, then `failed` (131026) instead of delivered. */
  failedAfterSent: boolean;
  /** Templates answer `held_for_quality_assessment`; later released (normal path) or dropped (`failed` 132015). */
  held: 'off' | 'released' | 'dropped';
  /** All statuses of one send in one POST. */
  batch: boolean;
}

export const NO_CHAOS: Chaos = {
  reorder: false,
  duplicates: false,
  skipDelivered: false,
  onlySent: false,
  failedAfterSent: false,
  held: 'off',
  batch: false,
};

export const CHAOS_SWITCHES = [
  'reorder',
  'duplicates',
  'skip-delivered',
  'only-sent',
  'failed-after-sent',
  'held-released',
  'held-dropped',
  'batch',
] as const;

/** `reorder,duplicates` → a Chaos; unknown names are refused with the list. */
export function parseChaos(text: string): Chaos {
  const chaos: Chaos = { ...NO_CHAOS };
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '' || name === 'none') continue;
    if (name === 'reorder') chaos.reorder = true;
    else if (name === 'duplicates') chaos.duplicates = true;
    else if (name === 'skip-delivered') chaos.skipDelivered = true;
    else if (name === 'only-sent') chaos.onlySent = true;
    else if (name === 'failed-after-sent') chaos.failedAfterSent = true;
    else if (name === 'held-released') chaos.held = 'released';
    else if (name === 'held-dropped') chaos.held = 'dropped';
    else if (name === 'batch') chaos.batch = true;
    else throw new Error(`unknown chaos switch "${name}"; known: ${CHAOS_SWITCHES.join(', ')}`);
  }
  return chaos;
}

export interface PlannedStatus {
  status: 'sent' | 'delivered' | 'read' | 'failed';
  /** Seconds after the send, added to the send's own timestamp. */
  offsetSeconds: number;
  errors?: StatusError[];
}

export interface SendFacts {
  type: string;
  /** True when the send answered `held_for_quality_assessment`. */
  held: boolean;
  /** A failure the fake decided at send time, reported only by webhook. */
  asyncError: number | null;
}

export function planStatuses(facts: SendFacts, chaos: Chaos): PlannedStatus[][] {
  const failed = (code: number, offsetSeconds: number): PlannedStatus => ({
    status: 'failed',
    offsetSeconds,
    errors: [statusError(code, detailsOf(code))],
  });
  let statuses: PlannedStatus[];
  if (facts.asyncError !== null) statuses = [failed(facts.asyncError, 1)];
  else if (facts.held && chaos.held === 'dropped') statuses = [failed(132015, 5)];
  else if (facts.type === 'reaction' || chaos.onlySent) statuses = [{ status: 'sent', offsetSeconds: 0 }];
  else if (chaos.failedAfterSent) statuses = [{ status: 'sent', offsetSeconds: 0 }, failed(131026, 2)];
  else {
    statuses = [{ status: 'sent', offsetSeconds: 0 }];
    if (!chaos.skipDelivered) statuses.push({ status: 'delivered', offsetSeconds: 1 });
    statuses.push({ status: 'read', offsetSeconds: 2 });
  }
  let posts = chaos.batch ? [statuses] : statuses.map((status) => [status]);
  if (chaos.reorder) posts = [...posts].reverse();
  if (chaos.duplicates) posts = posts.flatMap((post) => [post, post]);
  return posts;
}
