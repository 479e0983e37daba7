import type { WebhookItem } from './payloads/envelope.js';
import { createWamidFactory } from './payloads/ids.js';
import { buildInboundItem, type Decoration, INBOUND_KINDS } from './payloads/inbound.js';
import { addressOf, BUSINESS_NUMBERS, createUser, type SimUser } from './payloads/people.js';
import { createStatusFlow, type StatusFlow } from './payloads/status-flows.js';
import { createRandom } from './random.js';

/**
 * The traffic of a scenario in its natural order (sender timestamps): outbound messages, each
 * told through a status flow, and inbound messages of every kind. Deterministic from the seed.
 */
export interface TrafficOptions {
  readonly seed: string;
  /** Outbound messages, each followed through a status flow. */
  readonly messages: number;
  /** Inbound messages. */
  readonly inbound: number;
  /** Unix seconds of the first update. */
  readonly startTime: number;
}

/** Relative frequency of each flow; the happy path dominates, as in real traffic. */
const FLOW_WEIGHTS: readonly (readonly [StatusFlow, number])[] = [
  ['read', 35],
  ['read_without_delivered', 10],
  ['delivered', 15],
  ['sent_only', 5],
  ['failed', 10],
  ['sent_then_failed', 5],
  ['voice_played', 10],
  ['group', 10],
];

const DECORATION_WEIGHTS: readonly (readonly [Decoration, number])[] = [
  ['none', 70],
  ['reply', 12],
  ['forwarded', 6],
  ['frequently_forwarded', 2],
  ['referral', 5],
  ['product_enquiry', 5],
];

/** One in ten users is reachable only by BSUID: their phone number is not available. */
function createUserPool(seed: string, size: number): SimUser[] {
  const random = createRandom(seed).fork('users');
  return Array.from({ length: size }, () => createUser(random, { phoneAvailable: !random.chance(0.1) }));
}

export function createTraffic(options: TrafficOptions): WebhookItem[] {
  const root = createRandom(options.seed);
  const ids = createWamidFactory(root.fork('wamids'));
  const users = createUserPool(
    options.seed,
    Math.max(3, Math.ceil((options.messages + options.inbound) / 4)),
  );
  const items: WebhookItem[] = [];
  const outboundWamids: string[] = [];

  const outbound = root.fork('outbound');
  for (let i = 0; i < options.messages; i++) {
    const flow = createStatusFlow(outbound, ids, {
      flow: outbound.weighted(FLOW_WEIGHTS),
      number: outbound.pick(BUSINESS_NUMBERS),
      user: outbound.pick(users),
      sentAt: options.startTime + i * 2 + outbound.int(0, 1),
    });
    outboundWamids.push(flow.wamid);
    items.push(...flow.items);
  }

  const inbound = root.fork('inbound');
  for (let i = 0; i < options.inbound; i++) {
    const user = inbound.pick(users);
    items.push(
      buildInboundItem(inbound, ids, {
        kind: inbound.pick(INBOUND_KINDS),
        decoration: inbound.weighted(DECORATION_WEIGHTS),
        user,
        number: inbound.pick(BUSINESS_NUMBERS),
        timestamp: options.startTime + i * 3 + inbound.int(0, 2),
        businessWamid:
          outboundWamids.length > 0 ? inbound.pick(outboundWamids) : ids.outbound(addressOf(user)),
      }),
    );
  }
  // Array.prototype.sort is stable, so same-second updates keep their generation order.
  return items.sort((a, b) => a.timestamp - b.timestamp);
}
