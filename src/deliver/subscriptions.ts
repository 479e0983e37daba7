import { randomBytes } from 'node:crypto';
import type { Subscription, SubscriptionStore } from '../store/delivery-ports.js';
import { generateSecret } from './signing.js';
import { type CreateSubscriptionBody, toSpec } from './subscription-input.js';

/** `sub_` + 16 random characters from an alphabet without look-alikes (no 0/o, 1/l/i): easy to read out. */
export function newSubscriptionId(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(16);
  let id = 'sub_';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

/** Creates an API subscription; it receives the events committed from now on. */
export function createSubscription(
  store: Pick<SubscriptionStore, 'createSubscription'>,
  body: CreateSubscriptionBody,
  now: number,
): Promise<Subscription> {
  return store.createSubscription({
    ...toSpec(body),
    id: newSubscriptionId(),
    secret: body.secret ?? generateSecret(),
    source: 'api',
    now,
  });
}
