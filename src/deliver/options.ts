import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type BreakerPolicy, DEFAULT_BREAKER_POLICY } from './circuit.js';

/** How the delivery loop runs. Retry delays and the timeout come from config; the rest are defaults. */
export interface DeliveryOptions {
  /** WAHOOK_DELIVERY_RETRY_DELAYS. */
  retryDelaysMs: readonly number[];
  /** WAHOOK_DELIVERY_ALLOW_PRIVATE: subscriptions may target loopback and private addresses. */
  allowPrivate: boolean;
  /** WAHOOK_DELIVERY_TIMEOUT: one attempt, answer included. */
  timeoutMs: number;
  /** How long a claimed delivery stays leased: a crashed loop's rows come back after this. */
  leaseMs: number;
  /** Attempts in flight at once, all subscriptions together. */
  maxInFlight: number;
  /** The most attempts in flight at once per subscription, so one slow endpoint cannot take every slot. */
  perSubscription: number;
  /** Where a subscription's window starts before its answers size it (window.ts). */
  initialWindow: number;
  /** Share of `maxInFlight` that replayed dead letters may use; live deliveries are claimed first. */
  replayShare: number;
  /** How often an idle loop looks for due deliveries (it is also woken by new events). */
  pollMs: number;
  breaker: BreakerPolicy;
  /** Lease owner name: unique per loop, readable in the database. */
  owner: string;
}

export function deliveryOptions(
  config: {
    retryDelaysMs: readonly number[];
    deliveryTimeoutMs: number;
    deliveryConcurrency?: number;
    deliveryAllowPrivate?: boolean | undefined;
  },
  overrides: Partial<DeliveryOptions> = {},
): DeliveryOptions {
  const timeoutMs = overrides.timeoutMs ?? config.deliveryTimeoutMs;
  const perSubscription = config.deliveryConcurrency ?? 256;
  return {
    retryDelaysMs: config.retryDelaysMs,
    allowPrivate: config.deliveryAllowPrivate ?? false,
    timeoutMs,
    // Room for the attempt, recording it, and a slow event loop; never shorter than the timeout.
    leaseMs: timeoutMs * 2 + 10_000,
    maxInFlight: perSubscription * 4,
    perSubscription,
    initialWindow: Math.min(16, perSubscription),
    replayShare: 0.25,
    pollMs: 250,
    breaker: DEFAULT_BREAKER_POLICY,
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    ...overrides,
  };
}
