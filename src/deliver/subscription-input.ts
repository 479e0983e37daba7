import { z } from 'zod';
import { hasControlCharacter } from '../lib/control-characters.js';
import { formatDuration, parseDuration } from '../lib/duration.js';
import type { BatchPolicy, Subscription, SubscriptionSpec } from '../store/delivery-ports.js';
import { secretProblem } from './signing.js';

/**
 * What a subscription may say, for the API (POST/PATCH /v1/subscriptions) and the subscriptions
 * file alike, in the JSON spelling (snake_case). Every message names the field and the fix.
 */
/** Written by wahook on every delivery. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'user-agent']);

/**
 * Never sent from a subscription: hop-by-hop headers (they describe one connection, and a forged
 * one can smuggle a second request through a proxy), headers that cloud metadata services demand
 * as proof that a request is not forwarded (so a subscription cannot pass that proof), and the
 * forwarding and method-override headers that proxies and frameworks trust.
 */
const REFUSED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'metadata',
  'metadata-flavor',
  'x-google-metadata-request',
  'x-aws-ec2-metadata-token',
  'x-aws-ec2-metadata-token-ttl-seconds',
  'x-identity-header',
  'forwarded',
  'x-real-ip',
  'x-http-method-override',
  'x-method-override',
  'x-original-url',
  'x-rewrite-url',
]);

/** Whether a subscription header name may not be sent (also checked on stored subscriptions). */
export function isRefusedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return REFUSED_HEADERS.has(lower) || lower.startsWith('x-forwarded-');
}

const url = z
  .string()
  .refine((text) => !hasControlCharacter(text), {
    message: 'must not contain control characters (write spaces and the like percent-encoded, %20)',
  })
  .refine(isHttpUrl, {
    message: 'must be an absolute http:// or https:// URL, e.g. https://erp.example.com/whatsapp-events',
  });

const eventPattern = z.string().regex(/^(\*|[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)$/, {
  message: 'each entry is an event type (message.status), a prefix (message.*) or * for all',
});

const headers = z.record(z.string(), z.string()).superRefine((given, ctx) => {
  for (const [name, value] of Object.entries(given)) {
    const problem = headerProblem(name, value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: [name] });
  }
});

const secret = z.string().superRefine((given, ctx) => {
  const problem = secretProblem(given);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Batch limits (docs/consuming-events.md, "Batches"). */
export const BATCH_MAX_EVENTS = 1000;
export const BATCH_MAX_WAIT_MS = 5 * 60_000;
const DEFAULT_BATCH_WAIT_MS = 1_000;

const batchWait = z.string().transform((text, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
  if (ms > BATCH_MAX_WAIT_MS) {
    ctx.addIssue({ code: 'custom', message: `at most ${formatDuration(BATCH_MAX_WAIT_MS)}, e.g. "1s"` });
    return z.NEVER;
  }
  return ms;
});

const batch = z
  .strictObject({
    max_events: z
      .number()
      .int({ message: 'a whole number of events per POST, 1 to 1000' })
      .min(1, { message: 'a whole number of events per POST, 1 to 1000' })
      .max(BATCH_MAX_EVENTS, { message: 'a whole number of events per POST, 1 to 1000' }),
    max_wait: batchWait.default(DEFAULT_BATCH_WAIT_MS),
  })
  .transform((given): BatchPolicy => ({ maxEvents: given.max_events, maxWaitMs: given.max_wait }))
  .nullable();

const specFields = {
  url,
  events: z.array(eventPattern).min(1, { message: 'list at least one event type, or ["*"] for all' }),
  phone_number_ids: z
    .array(z.string().regex(/^\d{1,32}$/, { message: 'each entry is a phone number id (digits) from Meta' }))
    .min(1, { message: 'list at least one phone number id, or leave the field out for all' })
    .nullable(),
  headers,
  description: z
    .string()
    .max(500)
    .refine((text) => !hasControlCharacter(text.replace(/[\t\n]/g, ' ')), {
      message: 'must not contain control characters other than tabs and line breaks',
    })
    .nullable(),
  enabled: z.boolean(),
  batch,
  secret,
};

export const createSubscriptionBody = z.strictObject({
  url: specFields.url,
  events: specFields.events.default(['*']),
  phone_number_ids: specFields.phone_number_ids.default(null),
  headers: specFields.headers.default({}),
  description: specFields.description.default(null),
  enabled: specFields.enabled.default(true),
  batch: specFields.batch.default(null),
  secret: specFields.secret.optional(),
});

export const updateSubscriptionBody = z.strictObject({
  url: specFields.url.optional(),
  events: specFields.events.optional(),
  phone_number_ids: specFields.phone_number_ids.optional(),
  headers: specFields.headers.optional(),
  description: specFields.description.optional(),
  enabled: specFields.enabled.optional(),
  batch: specFields.batch.optional(),
  secret: specFields.secret.optional(),
  /** Pausing holds deliveries as pending without dead-lettering any; not a field of the spec. */
  paused: z.boolean().optional(),
});

export const fileSubscription = createSubscriptionBody.extend({
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    message: 'letters, digits, - and _ (up to 64), e.g. "erp"',
  }),
});

export const subscriptionsFile = z.union([
  z.strictObject({ subscriptions: z.array(fileSubscription) }),
  z.array(fileSubscription),
]);

export type CreateSubscriptionBody = z.output<typeof createSubscriptionBody>;
export type UpdateSubscriptionBody = z.output<typeof updateSubscriptionBody>;

export function toSpec(body: CreateSubscriptionBody): SubscriptionSpec {
  return {
    url: body.url,
    events: body.events,
    phoneNumberIds: body.phone_number_ids,
    headers: lowerCaseKeys(body.headers),
    description: body.description,
    enabled: body.enabled,
    batch: body.batch,
  };
}

export function toPatch(body: UpdateSubscriptionBody): Partial<SubscriptionSpec> & { secret?: string } {
  return {
    ...(body.url === undefined ? {} : { url: body.url }),
    ...(body.events === undefined ? {} : { events: body.events }),
    ...(body.phone_number_ids === undefined ? {} : { phoneNumberIds: body.phone_number_ids }),
    ...(body.headers === undefined ? {} : { headers: lowerCaseKeys(body.headers) }),
    ...(body.description === undefined ? {} : { description: body.description }),
    ...(body.enabled === undefined ? {} : { enabled: body.enabled }),
    ...(body.batch === undefined ? {} : { batch: body.batch }),
    ...(body.secret === undefined ? {} : { secret: body.secret }),
  };
}

/** The subscription as the API shows it. The secret is shown: the admin token guards the API. */
export function subscriptionJson(subscription: Subscription) {
  return {
    id: subscription.id,
    url: subscription.url,
    events: subscription.events,
    phone_number_ids: subscription.phoneNumberIds,
    headers: subscription.headers,
    description: subscription.description,
    enabled: subscription.enabled,
    batch:
      subscription.batch === null
        ? null
        : {
            max_events: subscription.batch.maxEvents,
            max_wait: formatDuration(subscription.batch.maxWaitMs),
          },
    disabled_reason: subscription.disabledReason,
    paused: subscription.pausedAt !== null,
    paused_at: subscription.pausedAt === null ? null : new Date(subscription.pausedAt).toISOString(),
    source: subscription.source,
    secret: subscription.secret,
    created_at: new Date(subscription.createdAt).toISOString(),
    updated_at: new Date(subscription.updatedAt).toISOString(),
  };
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const parsed = new URL(text);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

function headerProblem(name: string, value: string): string | null {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return 'is not a valid HTTP header name';
  const lower = name.toLowerCase();
  if (lower.startsWith('webhook-') || RESERVED_HEADERS.has(lower)) {
    return 'is set by wahook itself; choose another header name';
  }
  if (isRefusedHeader(lower)) {
    return 'is a hop-by-hop, forwarding or cloud-metadata header, which a subscription may not send';
  }
  if (/[\r\n\0]/.test(value)) return 'the value must not contain line breaks';
  // What an HTTP header value can carry (tab, visible ASCII, Latin-1): anything else fails every attempt.
  if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
    return 'the value may hold only visible ASCII, spaces, tabs and Latin-1 characters (no other control characters, no characters beyond U+00FF)';
  }
  return null;
}

function lowerCaseKeys(given: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(given).map(([name, value]) => [name.toLowerCase(), value]));
}
