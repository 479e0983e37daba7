import type {
  DeadLetterSelector,
  DeadLetterStore,
  DeliveryReader,
  Subscription,
  SubscriptionStore,
} from '../store/delivery-ports.js';

/**
 * What a replay would do, and why it would send less than the selector matches: dead letters of a
 * disabled subscription stay dead (re-enable it first), those of a paused one are re-queued but
 * wait until it is resumed, and a selector that matches nothing says so. The API's dry run and
 * `wahook replay --dry-run` both print this.
 */
export type ReplayHold = 'disabled' | 'paused';

export interface ReplayPreviewEntry {
  subscriptionId: string;
  /** Dead letters of this subscription the selector matches. */
  matched: number;
  /** null when the subscription is enabled and not paused. */
  held: ReplayHold | null;
  disabledReason: string | null;
}

export interface ReplayPreview {
  /** Dead letters a replay would move back to pending (the store's own count). */
  wouldReplay: number;
  /** Dead letters the selector matches, whatever their subscription's state. */
  matched: number;
  subscriptions: ReplayPreviewEntry[];
  /** One sentence per reason the replay sends less than `matched` now; empty when nothing is held. */
  reasons: string[];
}

/** At most this many dead letters are read to explain a dry run (the largest replay call). */
export const PREVIEW_ROW_LIMIT = 100_000;

export async function previewReplay(
  store: Pick<DeadLetterStore, 'replayDeadLetters'> &
    Pick<DeliveryReader, 'matchDeadLetters'> &
    Pick<SubscriptionStore, 'getSubscription'>,
  selector: DeadLetterSelector,
  options: { now: number; limit?: number },
): Promise<ReplayPreview> {
  const limit = options.limit ?? PREVIEW_ROW_LIMIT;
  const [wouldReplay, matches] = await Promise.all([
    store.replayDeadLetters(selector, { now: options.now, dryRun: true, limit }),
    store.matchDeadLetters(selector, limit),
  ]);
  const subscriptions: ReplayPreviewEntry[] = [];
  for (const match of matches) {
    const subscription = await store.getSubscription(match.subscriptionId);
    subscriptions.push({
      subscriptionId: match.subscriptionId,
      matched: match.count,
      held: holdOf(subscription),
      disabledReason: subscription?.disabledReason ?? null,
    });
  }
  const matched = subscriptions.reduce((sum, entry) => sum + entry.matched, 0);
  return { wouldReplay, matched, subscriptions, reasons: reasonsOf(selector, matched, subscriptions) };
}

function holdOf(subscription: Subscription | undefined): ReplayHold | null {
  if (subscription === undefined || !subscription.enabled) return 'disabled';
  return subscription.pausedAt === null ? null : 'paused';
}

function reasonsOf(
  selector: DeadLetterSelector,
  matched: number,
  subscriptions: readonly ReplayPreviewEntry[],
): string[] {
  if (matched === 0) {
    return [
      'ids' in selector
        ? 'no dead letter has these ids (GET /v1/dead-letters or `wahook deliveries --state dead` lists them)'
        : 'no dead letter matches the filter (GET /v1/dead-letters or `wahook deliveries --state dead` lists them)',
    ];
  }
  const reasons: string[] = [];
  for (const entry of subscriptions) {
    const letters = `${entry.matched} dead letter${entry.matched === 1 ? '' : 's'} of subscription ${entry.subscriptionId}`;
    if (entry.held === 'disabled') {
      const why = entry.disabledReason === null ? '' : ` (${entry.disabledReason})`;
      reasons.push(
        `${letters} stay dead: the subscription is disabled${why}; re-enable it first ` +
          `(\`wahook subscriptions enable ${entry.subscriptionId}\` or PATCH {"enabled":true})`,
      );
    } else if (entry.held === 'paused') {
      reasons.push(
        `${letters} would be queued but not sent: the subscription is paused; resume it ` +
          `(\`wahook subscriptions enable ${entry.subscriptionId}\` or PATCH {"paused":false})`,
      );
    }
  }
  return reasons;
}

/** The dry run's JSON answer; `would_replay` keeps its meaning from before the explanation. */
export function replayPreviewJson(preview: ReplayPreview) {
  return {
    would_replay: preview.wouldReplay,
    matched: preview.matched,
    subscriptions: preview.subscriptions.map((entry) => ({
      id: entry.subscriptionId,
      matched: entry.matched,
      held: entry.held,
      disabled_reason: entry.disabledReason,
    })),
    reasons: preview.reasons,
  };
}
