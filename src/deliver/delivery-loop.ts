import type { Clock } from '../lib/clock.js';
import { Sleeper } from '../lib/sleeper.js';
import type { Bus } from '../observe/bus.js';
import type { ClaimedDelivery, DeliveryLane, DeliveryQueue } from '../store/delivery-ports.js';
import { type AttemptRecorder, createAttemptRecorder } from './attempt-recorder.js';
import { CircuitBreakers } from './circuit.js';
import { deliverBatch } from './deliver-batch.js';
import { type DeliverDeps, deliverClaimed } from './deliver-one.js';
import { DeliveryHttp } from './http-attempt.js';
import type { DeliveryOptions } from './options.js';
import type { Random } from './schedule.js';
import { DeliveryWindows } from './window.js';

/**
 * The delivery loop (role `delivery`). Each turn it fills its free slots: due live deliveries
 * first, then replayed dead letters, which never hold more than `replayShare` of the slots so a
 * large replay cannot starve live traffic. Every subscription has its own concurrency limit and
 * circuit breaker, so a dead endpoint holds at most its own slots. The store hands out only the
 * first pending delivery of each (subscription, ordering key), which keeps per-key order; other
 * keys go in parallel. A batched subscription's claimed deliveries come grouped by batch; a batch
 * is one attempt in flight, in one slot (deliver-batch.ts).
 *
 * The loop sleeps `pollMs` when there is nothing to do, and wakes early when an attempt finishes
 * or `wake()` says new deliveries were committed. Time comes from the injected clock, so tests
 * can move schedules forward without waiting.
 */
export interface DeliveryLoopDeps {
  store: DeliveryQueue;
  bus: Bus;
  clock: Clock;
  random?: Random;
  /** Connections to subscribers; by default the loop's own, closed when it stops. */
  http?: DeliveryHttp;
  options: DeliveryOptions;
}

export class DeliveryLoop {
  private readonly breakers: CircuitBreakers;
  private readonly windows: DeliveryWindows;
  /** When each subscription's window was last full (performance.now()). */
  private readonly fullAt = new Map<string, number>();
  private readonly recorder: AttemptRecorder;
  private readonly http: DeliveryHttp;
  private readonly inFlight = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private replayInFlight = 0;
  private stopped = false;
  private readonly sleeper = new Sleeper();
  private wakePending = false;
  private done: Promise<void> | undefined;

  constructor(private readonly deps: DeliveryLoopDeps) {
    this.recorder = createAttemptRecorder(deps.store);
    this.windows = new DeliveryWindows({
      initial: deps.options.initialWindow,
      min: 1,
      max: deps.options.perSubscription,
    });
    this.http = deps.http ?? new DeliveryHttp({ allowPrivate: deps.options.allowPrivate });
    this.breakers = new CircuitBreakers(deps.options.breaker, deps.clock, (subscriptionId, state) =>
      deps.bus.emit('delivery:breaker', { subscriptionId, state }),
    );
  }

  start(): void {
    this.done ??= this.run();
  }

  /** New work may be due (events committed, a replay): look now rather than at the next poll. */
  wake(): void {
    this.sleeper.wake();
  }

  /** Stops claiming and waits for the attempts in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
    await Promise.all([...this.running]);
    if (!this.deps.http) await this.http.close();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.fill();
        this.deps.bus.emit('loop:ok', { loop: 'delivery' });
      } catch (err) {
        this.deps.bus.emit('loop:error', { loop: 'delivery', error: (err as Error).message });
      }
      if (!this.stopped) await this.sleeper.sleep(this.deps.options.pollMs);
    }
  }

  private async fill(): Promise<void> {
    const { options } = this.deps;
    const free = options.maxInFlight - this.running.size;
    if (free <= 0) return;
    const live = await this.claim('live', free);
    const replayCap = Math.max(1, Math.ceil(options.maxInFlight * options.replayShare));
    const replayRoom = Math.min(free - live, replayCap - this.replayInFlight);
    if (replayRoom > 0 && !this.stopped) await this.claim('replay', replayRoom);
  }

  private async claim(lane: DeliveryLane, limit: number): Promise<number> {
    const { options } = this.deps;
    const claimed = await this.deps.store.claimDeliveries({
      owner: options.owner,
      now: this.deps.clock.now(),
      leaseMs: options.leaseMs,
      lane,
      limit,
      slots: this.freeSlots(),
      defaultSlots: this.windows.limit(''),
    });
    const units = inUnits(claimed);
    for (const unit of units) this.dispatch(unit);
    return units.length;
  }

  private freeSlots(): Map<string, number> {
    const slots = new Map<string, number>();
    const known = [...this.inFlight.keys(), ...this.breakers.tracked(), ...this.windows.tracked()];
    for (const subscriptionId of new Set(known)) {
      const inFlight = this.inFlight.get(subscriptionId) ?? 0;
      slots.set(
        subscriptionId,
        this.breakers.slots(subscriptionId, this.windows.limit(subscriptionId), inFlight),
      );
    }
    return slots;
  }

  private dispatch(unit: readonly ClaimedDelivery[]): void {
    const delivery = unit[0]!;
    const subscriptionId = delivery.subscription.id;
    const replay = delivery.lane === 'replay';
    const inFlight = (this.inFlight.get(subscriptionId) ?? 0) + 1;
    this.inFlight.set(subscriptionId, inFlight);
    const started = performance.now();
    if (inFlight >= this.windows.limit(subscriptionId)) this.fullAt.set(subscriptionId, started);
    if (replay) this.replayInFlight += 1;
    const deps: DeliverDeps = {
      store: this.deps.store,
      recorder: this.recorder,
      bus: this.deps.bus,
      clock: this.deps.clock,
      random: this.deps.random ?? Math.random,
      breakers: this.breakers,
      owner: this.deps.options.owner,
      retryDelaysMs: this.deps.options.retryDelaysMs,
      timeoutMs: this.deps.options.timeoutMs,
      http: this.http,
    };
    const attempt = (delivery.batchId === null ? deliverClaimed(delivery, deps) : deliverBatch(unit, deps))
      .then(
        (result) => {
          if (result === 'deferred') return;
          // Full at any time while this attempt was out: more room would have been used.
          const full = (this.fullAt.get(subscriptionId) ?? -1) >= started;
          const heldMs = performance.now() - started;
          this.windows.observe(subscriptionId, heldMs, result.kind === 'succeeded', full);
        },
        // The lease runs out and the delivery is tried again; nothing is lost.
        (err: Error) => this.deps.bus.emit('loop:error', { loop: 'delivery', error: err.message }),
      )
      .finally(() => {
        const left = (this.inFlight.get(subscriptionId) ?? 1) - 1;
        if (left > 0) this.inFlight.set(subscriptionId, left);
        else this.inFlight.delete(subscriptionId);
        if (replay) this.replayInFlight -= 1;
        this.running.delete(attempt);
        this.wakeAfterThisTurn();
      });
    this.running.add(attempt);
  }

  /**
   * Attempts that finish in the same turn of the event loop share one claim. Each claim is a write
   * transaction; one per finished attempt took a core at 1000 deliveries/s.
   */
  private wakeAfterThisTurn(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setImmediate(() => {
      this.wakePending = false;
      this.wake();
    });
  }
}

/** Claimed deliveries as units of work: each single delivery alone, each batch's members together. */
function inUnits(claimed: readonly ClaimedDelivery[]): ClaimedDelivery[][] {
  const units: ClaimedDelivery[][] = [];
  const batches = new Map<string, ClaimedDelivery[]>();
  for (const delivery of claimed) {
    if (delivery.batchId === null) {
      units.push([delivery]);
      continue;
    }
    const batch = batches.get(delivery.batchId);
    if (batch) batch.push(delivery);
    else {
      const members = [delivery];
      batches.set(delivery.batchId, members);
      units.push(members);
    }
  }
  return units;
}
