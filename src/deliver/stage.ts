import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { Wakeups } from '../lib/wakeups.js';
import type { Bus } from '../observe/bus.js';
import type { Stage } from '../stage.js';
import type { DeliveryStore, FileSubscription } from '../store/delivery-ports.js';
import type { NodeWakeups } from '../store/ports.js';
import { DeliveryLoop } from './delivery-loop.js';
import { type DeliveryOptions, deliveryOptions } from './options.js';
import type { Random } from './schedule.js';
import { applySubscriptionsFile, readSubscriptionsFile } from './subscriptions-file.js';

/**
 * ⑤ as the server runs it. The subscriptions file is read and checked when the stage is built (a
 * bad file stops the start) and applied when it starts; the delivery loop runs only in a process
 * with the `delivery` role. New events (`events:appended`) and replays (`dead_letters:replayed`)
 * wake the loop, wherever in this process they were committed (lib/wakeups.ts), and with
 * PostgreSQL events committed by a worker on another node wake it too (the store's NOTIFY);
 * without that it waited for its next poll, up to 250 ms.
 */
export interface DeliveryStageDeps {
  config: {
    retryDelaysMs: readonly number[];
    deliveryTimeoutMs: number;
    deliveryAllowPrivate?: boolean | undefined;
    subscriptionsFile?: string | undefined;
  };
  /** Whether this process runs the delivery loop (role `delivery`). */
  runLoop: boolean;
  store: DeliveryStore & Pick<NodeWakeups, 'onEventsAppended'>;
  bus: Bus;
  clock: Clock;
  wakeups: Pick<Wakeups, 'on'>;
  logger?: Logger;
  options?: Partial<DeliveryOptions>;
  random?: Random;
}

export function createDeliveryStage(deps: DeliveryStageDeps): Stage {
  const fileSubscriptions: FileSubscription[] | undefined = deps.config.subscriptionsFile
    ? readSubscriptionsFile(deps.config.subscriptionsFile, {
        allowPrivate: deps.config.deliveryAllowPrivate ?? false,
      })
    : undefined;
  const loop = deps.runLoop
    ? new DeliveryLoop({
        store: deps.store,
        bus: deps.bus,
        clock: deps.clock,
        options: deliveryOptions(deps.config, deps.options),
        ...(deps.random ? { random: deps.random } : {}),
      })
    : undefined;
  let unsubscribe: (() => void) | undefined;
  let started: Promise<void> | undefined;

  const applyFile = async () => {
    if (!fileSubscriptions) return;
    try {
      const result = await applySubscriptionsFile(deps.store, fileSubscriptions, deps.clock.now());
      deps.logger?.info({ subscriptions: result }, 'subscriptions file applied');
    } catch (err) {
      deps.bus.emit('loop:error', { loop: 'subscriptions-file', error: (err as Error).message });
      deps.logger?.error(
        { err },
        'subscriptions file could not be applied; deliveries use the stored subscriptions',
      );
    }
  };

  return {
    name: 'delivery',
    start() {
      started ??= (async () => {
        await applyFile();
        if (!loop) return;
        const events = deps.wakeups.on('events:appended', () => loop.wake());
        const replays = deps.wakeups.on('dead_letters:replayed', () => loop.wake());
        const remote = deps.store.onEventsAppended?.(() => loop.wake());
        unsubscribe = () => {
          events();
          replays();
          remote?.();
        };
        loop.start();
      })();
    },
    async stop() {
      await started;
      unsubscribe?.();
      await loop?.stop();
    },
  };
}
