import type { WebhookItem } from './payloads/envelope.js';

/**
 * The final state a correct receiver must reach for every wamid a simulation sent, whatever order
 * and however often the updates arrived. This is the simulator's own statement of the rule, kept
 * independent of the server's merge so that one can check the other:
 * - an inbound message is `received`;
 * - statuses rank `sent < delivered < read < played` (played is only sent for voice notes, after
 *   they were opened, so it ranks above read); the highest rank seen wins, never moving back;
 * - `failed` is terminal unless a delivered, read or played with a newer sender timestamp proves it
 *   got through after all (the simulator never sends that, but the rule is stated whole).
 */
export interface ExpectedState {
  readonly wamid: string;
  readonly direction: 'inbound' | 'outbound';
  readonly status: string;
}

const STATUS_RANK: Readonly<Record<string, number>> = { sent: 1, delivered: 2, read: 3, played: 4 };

interface Seen {
  status: string;
  timestamp: number;
}

/** `sent` proves nothing about delivery; only a later delivered, read or played does. */
function provesDeliveryAfter(best: Seen | null, failed: Seen): boolean {
  return best !== null && best.status !== 'sent' && best.timestamp > failed.timestamp;
}

/** Applies the rank rule to every status update of one message. */
export function finalStatusOf(updates: readonly Seen[]): string | null {
  let best: Seen | null = null;
  let failed: Seen | null = null;
  for (const update of updates) {
    if (update.status === 'failed') {
      if (failed === null || update.timestamp > failed.timestamp) failed = update;
      continue;
    }
    const rank = STATUS_RANK[update.status];
    if (rank === undefined) continue;
    if (best === null || rank > (STATUS_RANK[best.status] ?? 0)) best = update;
  }
  if (failed !== null && !provesDeliveryAfter(best, failed)) return 'failed';
  return best?.status ?? null;
}

export function expectedStatesOf(items: readonly WebhookItem[]): ExpectedState[] {
  const inbound: ExpectedState[] = [];
  const statusesByWamid = new Map<string, Seen[]>();
  for (const item of items) {
    if (item.status === null) {
      inbound.push({ wamid: item.wamid, direction: 'inbound', status: 'received' });
      continue;
    }
    const seen = statusesByWamid.get(item.wamid) ?? [];
    seen.push({ status: item.status, timestamp: item.timestamp });
    statusesByWamid.set(item.wamid, seen);
  }
  const outbound: ExpectedState[] = [];
  for (const [wamid, seen] of statusesByWamid) {
    const status = finalStatusOf(seen);
    if (status !== null) outbound.push({ wamid, direction: 'outbound', status });
  }
  return [...outbound, ...inbound];
}
