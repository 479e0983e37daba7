/**
 * The fake Graph API's behaviour, apart from HTTP (whatsapp-sending.md §9): one call to `send`
 * per POST /{version}/{phone_number_id}/messages. It validates, applies the limits (per-number
 * throughput, per-pair rate, hourly calls, maintenance), the 24-hour customer-service window, the
 * opt-out list and the marketing cap, runs scripted failures, and on success answers Meta's exact
 * shape and plans the status webhooks. Every limit runs on the injected clock.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../lib/clock.js';
import { KeyedBuckets, TokenBucket } from '../lib/token-bucket.js';
import type { BusinessNumber } from '../simulate/payloads/people.js';
import { phoneRecipient } from '../whatsapp/recipient.js';
import { detailsOf, type GraphError, graphError } from './graph-errors.js';
import { FakeMedia } from './media.js';
import { type Chaos, NO_CHAOS, planStatuses } from './status-plan.js';
import { type AcceptedSend, StatusWebhooks, userIdFor, type WebhookTarget } from './status-webhooks.js';
import { DEFAULT_TEMPLATES, type TemplateSpec, templateCategory, templateRegistry } from './templates.js';
import { checkSend } from './validate.js';

/** "The next send to X fails with C": sync answers the error, async accepts and sends a `failed` status. */
export interface ScriptedFailure {
  /** Digits of `to` or the BSUID; omitted = any recipient. */
  to?: string;
  code: number;
  mode: 'sync' | 'async';
  /** HTTP status of a sync failure; default the catalog's. */
  status?: number;
  /** How many sends it applies to (default 1). */
  times?: number;
}

/** What happens to the HTTP answer after the fake decided it. */
export type AnswerFate = 'normal' | 'lose' | 'server_error_after_accept';

export interface FakeGraphOptions {
  clock: Clock;
  numbers: readonly BusinessNumber[];
  /** Bearer tokens accepted (Cloud API). */
  accessTokens: readonly string[];
  /** 360dialog API keys, each bound to one of the numbers. */
  d360Keys?: Readonly<Record<string, string>>;
  webhook: WebhookTarget | null;
  /** Pause before each status webhook POST. */
  stepMs?: number;
  chaos?: Partial<Chaos>;
  templates?: readonly TemplateSpec[];
  /** Messages per second per number (80 by default; 20 for Coexistence, 1000 upgraded). */
  throughput?: number;
  /** Pair limit: burst and refill per (number, user); §5 says 45 in a burst, then 1 per 6 s. */
  pairBurst?: number;
  pairPerSecond?: number;
  /** Graph calls per number per hour before 80007; unlimited by default. */
  callsPerHour?: number;
  /** True: every window counts as open (no 131047). */
  openWindows?: boolean;
  /** True: a free-form send outside the window is refused in the HTTP answer instead of by webhook. */
  windowSync?: boolean;
  /** Marketing templates one user may get per day before 131049; unlimited by default. */
  marketingPerUserPerDay?: number;
  /** True: wa_ids as older accounts have them (Brazil without the added 9, Mexico 521). */
  legacyWaIds?: boolean;
}

export interface SendRecord {
  wamid: string;
  phoneNumberId: string;
  input: string;
  waId: string | null;
  userId: string | null;
  type: string;
  body: Record<string, unknown>;
  bizOpaqueCallbackData: string | null;
  at: number;
}

export interface SendAnswer {
  status: number;
  body: unknown;
  fate: AnswerFate;
  /** Extra latency before the answer, in ms. */
  delayMs: number;
}

const DAY_MS = 24 * 3600 * 1000;
const HOUR_MS = 3600 * 1000;

export class FakeGraph {
  readonly webhooks: StatusWebhooks;
  readonly media: FakeMedia;
  readonly sends: SendRecord[] = [];
  chaos: Chaos;
  /** Latency added to every answer; `lose` and 5xx switches for the next answers. */
  slowMs = 0;
  loseNextResponses = 0;
  serverErrorsBeforeAccept = 0;
  serverErrorsAfterAccept = 0;
  maintenance = new Set<string>();
  private readonly numbers: Map<string, BusinessNumber>;
  private readonly templates;
  private readonly throughput = new Map<string, TokenBucket>();
  private readonly pairs: KeyedBuckets;
  private readonly lastInbound = new Map<string, number>();
  private readonly optedOut = new Set<string>();
  private readonly marketing = new Map<string, number[]>();
  private readonly calls = new Map<string, number[]>();
  private scripts: ScriptedFailure[] = [];
  private wamidCounter = 0;

  constructor(private readonly options: FakeGraphOptions) {
    this.numbers = new Map(options.numbers.map((number) => [number.phoneNumberId, number]));
    this.templates = templateRegistry(options.templates ?? DEFAULT_TEMPLATES);
    this.pairs = new KeyedBuckets(options.pairBurst ?? 45, options.pairPerSecond ?? 1 / 6, options.clock);
    this.webhooks = new StatusWebhooks(options.webhook, options.stepMs ?? 20);
    this.media = new FakeMedia(options.clock);
    this.chaos = { ...NO_CHAOS, ...options.chaos };
  }

  number(phoneNumberId: string): BusinessNumber | undefined {
    return this.numbers.get(phoneNumberId);
  }

  acceptedTokens(): readonly string[] {
    return this.options.accessTokens;
  }

  numberForD360Key(key: string): string | undefined {
    return this.options.d360Keys?.[key];
  }

  /** A user message opens (or refreshes) the 24-hour window with that number. */
  recordInbound(phoneNumberId: string, from: string): void {
    this.lastInbound.set(`${phoneNumberId}/${from.replace(/\D/g, '')}`, this.options.clock.now());
  }

  optOut(user: string): void {
    this.optedOut.add(user.replace(/\D/g, '') || user);
  }

  script(failure: ScriptedFailure): void {
    this.scripts.push({ ...failure, times: failure.times ?? 1 });
  }

  setThroughput(phoneNumberId: string, perSecond: number): void {
    this.bucketFor(phoneNumberId).setRate(perSecond, perSecond);
  }

  send(phoneNumberId: string, body: unknown, marketingPath = false): SendAnswer {
    const now = this.options.clock.now();
    const answer = (status: number, payload: unknown, fate: AnswerFate = 'normal'): SendAnswer => ({
      status,
      body: payload,
      fate,
      delayMs: this.slowMs,
    });
    const refuse = (error: GraphError): SendAnswer => answer(error.status, error.body);
    const number = this.numbers.get(phoneNumberId);
    if (number === undefined) {
      return refuse(
        graphError(
          100,
          `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
          { subcode: 33 },
        ),
      );
    }
    if (this.serverErrorsBeforeAccept > 0) {
      this.serverErrorsBeforeAccept -= 1;
      return refuse(graphError(131000, detailsOf(131000), { status: 500 }));
    }
    if (!this.countCall(phoneNumberId, now))
      return refuse(graphError(80007, 'Application request limit reached.'));
    if (this.maintenance.has(phoneNumberId)) return refuse(graphError(131057, detailsOf(131057)));
    if (isReadReceipt(body)) return answer(200, { success: true });
    const check = checkSend(body, this.templates);
    if (!check.ok) return refuse(graphError(check.code, check.details));
    const waId = check.recipientKind === 'phone' ? this.waIdOf(check.input) : null;
    const userKey = waId ?? check.input;
    const scripted = this.takeScript(userKey);
    if (scripted?.mode === 'sync')
      return refuse(
        graphError(scripted.code, detailsOf(scripted.code), {
          ...(scripted.status ? { status: scripted.status } : {}),
        }),
      );
    if (!this.bucketFor(phoneNumberId).take()) return refuse(graphError(130429, detailsOf(130429)));
    if (!this.pairs.get(`${phoneNumberId}/${userKey}`).take())
      return refuse(graphError(131056, detailsOf(131056)));
    const content = (body as Record<string, unknown>).template;
    const category = check.isTemplate ? (templateCategory(content, this.templates) ?? 'utility') : 'service';
    const outsideWindow = !check.isTemplate && !this.windowOpen(phoneNumberId, userKey, now);
    if (outsideWindow && this.options.windowSync) return refuse(graphError(131047, detailsOf(131047)));
    const asyncError =
      scripted?.code ??
      (outsideWindow ? 131047 : category === 'marketing' ? this.marketingRefusal(userKey, now) : null);
    const held = check.isTemplate && this.chaos.held !== 'off' && asyncError === null;
    const wamid = this.newWamid(userKey);
    const userId = check.recipientKind === 'bsuid' ? check.input : userIdFor(userKey, countryOf(waId));
    const record: SendRecord = {
      wamid,
      phoneNumberId,
      input: check.input,
      waId,
      userId: check.recipientKind === 'bsuid' ? check.input : null,
      type: check.type,
      body: body as Record<string, unknown>,
      bizOpaqueCallbackData: check.bizOpaqueCallbackData,
      at: now,
    };
    this.sends.push(record);
    const accepted: AcceptedSend = {
      wamid,
      number,
      waId,
      userId,
      bizOpaqueCallbackData: check.bizOpaqueCallbackData,
      timestamp: Math.floor(now / 1000),
      category,
    };
    this.webhooks.schedule(accepted, planStatuses({ type: check.type, held, asyncError }, this.chaos));
    const contact =
      check.recipientKind === 'bsuid'
        ? { input: check.input, user_id: check.input }
        : { input: check.input, wa_id: waId ?? check.input };
    const message: Record<string, string> = { id: wamid };
    if (check.isTemplate || marketingPath)
      message.message_status = held ? 'held_for_quality_assessment' : 'accepted';
    const success = { messaging_product: 'whatsapp', contacts: [contact], messages: [message] };
    if (this.loseNextResponses > 0) {
      this.loseNextResponses -= 1;
      return answer(200, success, 'lose');
    }
    if (this.serverErrorsAfterAccept > 0) {
      this.serverErrorsAfterAccept -= 1;
      return answer(
        500,
        graphError(131000, detailsOf(131000), { status: 500 }).body,
        'server_error_after_accept',
      );
    }
    return answer(200, success);
  }

  private bucketFor(phoneNumberId: string): TokenBucket {
    let bucket = this.throughput.get(phoneNumberId);
    if (!bucket) {
      const rate = this.options.throughput ?? 80;
      bucket = new TokenBucket(rate, rate, this.options.clock);
      this.throughput.set(phoneNumberId, bucket);
    }
    return bucket;
  }

  private countCall(phoneNumberId: string, now: number): boolean {
    const limit = this.options.callsPerHour;
    if (limit === undefined) return true;
    const recent = (this.calls.get(phoneNumberId) ?? []).filter((at) => at > now - HOUR_MS);
    if (recent.length >= limit) return false;
    recent.push(now);
    this.calls.set(phoneNumberId, recent);
    return true;
  }

  private windowOpen(phoneNumberId: string, user: string, now: number): boolean {
    if (this.options.openWindows) return true;
    const last = this.lastInbound.get(`${phoneNumberId}/${user}`);
    return last !== undefined && now - last < DAY_MS;
  }

  private marketingRefusal(user: string, now: number): number | null {
    if (this.optedOut.has(user)) return 131050;
    const cap = this.options.marketingPerUserPerDay;
    if (cap === undefined) return null;
    const recent = (this.marketing.get(user) ?? []).filter((at) => at > now - DAY_MS);
    if (recent.length >= cap) return 131049;
    recent.push(now);
    this.marketing.set(user, recent);
    return null;
  }

  private takeScript(user: string): ScriptedFailure | undefined {
    const index = this.scripts.findIndex(
      (script) => script.to === undefined || script.to.replace(/\D/g, '') === user || script.to === user,
    );
    if (index < 0) return undefined;
    const script = this.scripts[index] as ScriptedFailure;
    script.times = (script.times ?? 1) - 1;
    if (script.times <= 0) this.scripts.splice(index, 1);
    return script;
  }

  /** `wa_id` for a `to`: its digits; with legacyWaIds, Brazil's mobiles lose the added 9 and Mexico's gain the old 1. */
  private waIdOf(to: string): string {
    const digits = to.replace(/\D/g, '');
    if (!this.options.legacyWaIds) return digits;
    const br = /^55(\d{2})9([6-9]\d{7})$/.exec(digits);
    if (br) return `55${br[1]}${br[2]}`;
    const mx = /^52(\d{10})$/.exec(digits);
    if (mx) return `521${mx[1]}`;
    return digits;
  }

  /** `wamid.` + base64 of a record naming the user and a unique key, as real wamids decode. */
  private newWamid(user: string): string {
    this.wamidCounter += 1;
    const key = createHash('sha256')
      .update(`${user}/${this.wamidCounter}/${randomBytes(8).toString('hex')}`)
      .digest('hex')
      .slice(0, 32)
      .toUpperCase();
    const who = Buffer.from(user.slice(0, 64), 'ascii');
    const record = Buffer.concat([
      Buffer.from([0x1c, 0x18, who.length]),
      who,
      Buffer.from([0x15, 0x02, 0x00, 0x11, 0x18, key.length]),
      Buffer.from(key, 'ascii'),
      Buffer.from([0x00]),
    ]);
    return `wamid.${record.toString('base64')}`;
  }
}

function isReadReceipt(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body as Record<string, unknown>).status === 'read' &&
    typeof (body as Record<string, unknown>).message_id === 'string'
  );
}

function countryOf(waId: string | null): string | null {
  if (waId === null) return null;
  const parsed = phoneRecipient(`+${waId}`);
  return parsed.ok && parsed.recipient.kind === 'phone' ? parsed.recipient.country : null;
}
