import { type ExpectedState, expectedStatesOf } from './expected-state.js';
import { templateStatusUpdate, userPreferencesUpdate } from './payloads/account-fields.js';
import { assembleEnvelope, envelopeOf, messagesValue, type WebhookItem } from './payloads/envelope.js';
import { errorObject, type SimulatedErrorCode } from './payloads/errors.js';
import { createWamidFactory, type WamidFactory } from './payloads/ids.js';
import { buildInboundItem, type Decoration, type InboundKind } from './payloads/inbound.js';
import type { JsonObject } from './payloads/json.js';
import {
  addressOf,
  BUSINESS_NUMBERS,
  type BusinessNumber,
  createUser,
  type SimUser,
} from './payloads/people.js';
import { createStatusFlow, type StatusFlow } from './payloads/status-flows.js';
import { createRandom, type Random } from './random.js';

/**
 * Named single payloads, sent as one POST (`wahook simulate <url> --fixture text`), for trying a
 * receiver against one case at a time. Each is built by the same builders as scenarios.
 */
interface FixtureInput {
  readonly random: Random;
  readonly ids: WamidFactory;
  readonly now: number;
  readonly number: BusinessNumber;
  readonly user: SimUser;
}

interface FixtureBuild {
  readonly payload: JsonObject;
  /** The messages and statuses inside, for the expected final states; empty for other fields. */
  readonly items: WebhookItem[];
}

interface Fixture {
  readonly description: string;
  readonly build: (input: FixtureInput) => FixtureBuild;
}

function fromItems(items: WebhookItem[]): FixtureBuild {
  const inTimeOrder = [...items].sort((a, b) => a.timestamp - b.timestamp);
  return { payload: assembleEnvelope(inTimeOrder), items: inTimeOrder };
}

function inbound(
  kind: InboundKind,
  decoration: Decoration = 'none',
  phoneAvailable = true,
): Fixture['build'] {
  return (input) => {
    const user = phoneAvailable ? input.user : createUser(input.random, { phoneAvailable: false });
    const item = buildInboundItem(input.random, input.ids, {
      kind,
      decoration,
      user,
      number: input.number,
      timestamp: input.now,
      businessWamid: input.ids.outbound(addressOf(user)),
    });
    return fromItems([item]);
  };
}

/** One status of a flow (`only`), or the whole flow in one POST. */
function statuses(flow: StatusFlow, only?: string, failureCode?: SimulatedErrorCode): Fixture['build'] {
  return (input) => {
    const result = createStatusFlow(input.random, input.ids, {
      flow,
      number: input.number,
      user: input.user,
      sentAt: input.now,
      failureCode,
    });
    return fromItems(only === undefined ? result.items : result.items.filter((item) => item.status === only));
  };
}

function toBsuidRecipient(input: FixtureInput): FixtureBuild {
  return statuses(
    'read',
    'delivered',
  )({ ...input, user: createUser(input.random, { phoneAvailable: false }) });
}

/** Two WABAs, an inbound message and statuses in one POST, like the batched example of §7.4. */
function mixedBatch(input: FixtureInput): FixtureBuild {
  const [first, second] = BUSINESS_NUMBERS as [BusinessNumber, BusinessNumber];
  const text = inbound('text')({ ...input, number: first }).items;
  const read = statuses('read')({ ...input, number: first }).items;
  const failed = statuses('failed', undefined, 131026)({ ...input, number: second }).items;
  return fromItems([...text, ...read, ...failed]);
}

function outOfBandError(input: FixtureInput): FixtureBuild {
  return {
    payload: envelopeOf([
      {
        id: input.number.wabaId,
        changes: [
          { field: 'messages', value: messagesValue(input.number, { errors: [errorObject(131000)] }) },
        ],
      },
    ]),
    items: [],
  };
}

const FIXTURES: Record<string, Fixture> = {
  text: { description: 'inbound text with accents and emoji', build: inbound('text') },
  'text-reply': {
    description: 'text replying to a business message (context)',
    build: inbound('text', 'reply'),
  },
  'text-username-only': {
    description: 'text from a username user whose phone is not available (BSUID only)',
    build: inbound('text', 'none', false),
  },
  forwarded: { description: 'forwarded image', build: inbound('image', 'forwarded') },
  'product-enquiry': {
    description: 'text about a catalog product',
    build: inbound('text', 'product_enquiry'),
  },
  'ctwa-referral': {
    description: 'first text after a click-to-WhatsApp ad',
    build: inbound('text', 'referral'),
  },
  image: { description: 'image with caption and media url', build: inbound('image') },
  video: { description: 'video with caption', build: inbound('video') },
  audio: { description: 'audio file', build: inbound('audio') },
  voice: { description: 'recorded voice note', build: inbound('voice') },
  document: { description: 'PDF document with filename', build: inbound('document') },
  sticker: { description: 'sticker (webp)', build: inbound('sticker') },
  location: { description: 'shared location', build: inbound('location') },
  contacts: { description: 'shared contact card', build: inbound('contacts') },
  button: { description: 'template quick-reply button', build: inbound('button') },
  'interactive-button': { description: 'interactive reply button', build: inbound('interactive_button') },
  'interactive-list': { description: 'interactive list row', build: inbound('interactive_list') },
  'flow-reply': { description: 'WhatsApp Flow completion (nfm_reply)', build: inbound('nfm_reply') },
  reaction: { description: 'emoji reaction to a business message', build: inbound('reaction') },
  'reaction-removed': { description: 'reaction removed', build: inbound('reaction_removed') },
  order: { description: 'catalog order', build: inbound('order') },
  system: { description: 'system message: user changed number', build: inbound('system') },
  unsupported: { description: 'unsupported message type with error 131051', build: inbound('unsupported') },
  revoke: { description: 'user deleted a message', build: inbound('revoke') },
  'status-sent': { description: 'sent status with pricing', build: statuses('read', 'sent') },
  'status-delivered': { description: 'delivered status with pricing', build: statuses('read', 'delivered') },
  'status-read': { description: 'read status', build: statuses('read', 'read') },
  'status-flow': {
    description: 'sent, delivered and read of one message in one POST',
    build: statuses('read'),
  },
  'status-played': {
    description: 'played status of a voice note',
    build: statuses('voice_played', 'played'),
  },
  'status-group': {
    description: 'group send: sent, then per-participant statuses',
    build: statuses('group'),
  },
  'status-bsuid': {
    description: 'delivered to a BSUID-only recipient (no recipient_id)',
    build: toBsuidRecipient,
  },
  'status-failed': {
    description: 'failed, 131026 message undeliverable',
    build: statuses('failed', 'failed', 131026),
  },
  'status-failed-131047': {
    description: 'failed, 131047 re-engagement window closed',
    build: statuses('failed', 'failed', 131047),
  },
  'status-failed-131049': {
    description: 'failed, 131049 healthy ecosystem engagement',
    build: statuses('failed', 'failed', 131049),
  },
  'status-failed-130429': {
    description: 'failed, 130429 rate limit hit',
    build: statuses('failed', 'failed', 130429),
  },
  batch: { description: 'two WABAs, inbound and statuses in one POST', build: mixedBatch },
  'value-error': { description: 'out-of-band error 131000 at value level', build: outOfBandError },
  'template-status': {
    description: 'message_template_status_update',
    build: (input) => ({ payload: templateStatusUpdate(input.random, input.number, input.now), items: [] }),
  },
  'user-preferences': {
    description: 'user stopped or resumed marketing messages',
    build: (input) => ({
      payload: userPreferencesUpdate(input.random, input.number, input.user, input.now),
      items: [],
    }),
  },
};

export const FIXTURE_NAMES = Object.keys(FIXTURES);

export function describeFixtures(): { name: string; description: string }[] {
  return Object.entries(FIXTURES).map(([name, fixture]) => ({ name, description: fixture.description }));
}

export function isFixtureName(name: string): boolean {
  return Object.hasOwn(FIXTURES, name);
}

export interface BuiltFixture {
  readonly payload: JsonObject;
  readonly expected: ExpectedState[];
  /** Messages and statuses inside; an account-field update counts as one. */
  readonly itemCount: number;
}

export function buildFixture(name: string, options: { seed: string; now: number }): BuiltFixture {
  const fixture = FIXTURES[name];
  if (fixture === undefined) throw new Error(`unknown fixture "${name}"`);
  const random = createRandom(options.seed).fork(`fixture:${name}`);
  const built = fixture.build({
    random,
    ids: createWamidFactory(random.fork('wamids')),
    now: options.now,
    number: BUSINESS_NUMBERS[0] as BusinessNumber,
    user: createUser(random, { phoneAvailable: true }),
  });
  return {
    payload: built.payload,
    expected: expectedStatesOf(built.items),
    itemCount: Math.max(1, built.items.length),
  };
}
