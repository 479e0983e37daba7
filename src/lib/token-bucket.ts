import type { Clock } from './clock.js';

/**
 * A token bucket on an injected clock: `capacity` tokens at most, refilled at `perSecond`.
 * `take` spends one token if there is one; `waitMs` says how long until the next token exists,
 * so a sender can pace itself instead of being refused. Used by the fake Graph API (to refuse as
 * Meta does) and by the send path (to stay under the same limits).
 */
export class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private capacity: number,
    private perSecond: number,
    private readonly clock: Clock,
  ) {
    this.tokens = capacity;
    this.at = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.at) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    }
    this.at = now;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until one token is available (0 when one is). */
  waitMs(): number {
    this.refill();
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  /** True when the bucket is full again, so a keyed map may forget it. */
  isFull(): boolean {
    this.refill();
    return this.tokens >= this.capacity;
  }

  setRate(capacity: number, perSecond: number): void {
    this.refill();
    this.capacity = capacity;
    this.perSecond = perSecond;
    this.tokens = Math.min(this.tokens, capacity);
  }
}

/** One bucket per key, created on first use; full buckets are forgotten so the map stays bounded by activity. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  get(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep();
      bucket = new TokenBucket(this.capacity, this.perSecond, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull()) this.buckets.delete(key);
  }
}
