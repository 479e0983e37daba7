import type {
  FileSubscription,
  FileSyncResult,
  NewSubscription,
  Subscription,
  SubscriptionPatch,
} from '../delivery-ports.js';

/** What applying the subscriptions file needs from an adapter, inside one transaction of its own. */
export interface SubscriptionFileOps {
  get(id: string): Promise<Subscription | undefined>;
  create(input: NewSubscription): Promise<unknown>;
  update(id: string, patch: SubscriptionPatch, now: number, disabledReason?: string): Promise<unknown>;
  markFromFile(id: string): Promise<void>;
  list(): Promise<Subscription[]>;
}

/**
 * The rules of WAHOOK_SUBSCRIPTIONS_FILE, written once for both adapters: a listed subscription is
 * created (with a new secret unless the file gives one) or brought in line with the file; one that
 * came from the file and is no longer listed is disabled, not deleted, so its history stays.
 */
export async function applySubscriptionsFile(
  ops: SubscriptionFileOps,
  subscriptions: readonly FileSubscription[],
  now: number,
  newSecret: () => string,
): Promise<FileSyncResult> {
  const result: FileSyncResult = { created: [], updated: [], disabled: [] };
  const listed = new Set(subscriptions.map((subscription) => subscription.id));
  for (const subscription of subscriptions) {
    const current = await ops.get(subscription.id);
    if (!current) {
      const secret = subscription.secret ?? newSecret();
      await ops.create({ ...subscription, secret, source: 'file', now });
      result.created.push(subscription.id);
      continue;
    }
    const { id: _id, secret, ...spec } = subscription;
    const reason = spec.enabled ? undefined : 'disabled in WAHOOK_SUBSCRIPTIONS_FILE';
    await ops.update(subscription.id, { ...spec, secret: secret ?? current.secret }, now, reason);
    if (current.source !== 'file') await ops.markFromFile(subscription.id);
    result.updated.push(subscription.id);
  }
  for (const stale of await ops.list()) {
    if (stale.source !== 'file' || listed.has(stale.id) || !stale.enabled) continue;
    await ops.update(stale.id, { enabled: false }, now, 'removed from WAHOOK_SUBSCRIPTIONS_FILE');
    result.disabled.push(stale.id);
  }
  return result;
}
