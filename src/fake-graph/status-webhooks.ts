/**
 * Sends the planned status webhooks of accepted sends to the receiver, as Meta does: a Cloud API
 * envelope, serialized with Meta's escaping and signed with `X-Hub-Signature-256` over the exact
 * bytes, retried on any answer other than 2xx. Each send's POSTs go one after another, `stepMs`
 * apart; different sends go in parallel.
 */
import { createHash } from 'node:crypto';
import { serializeMetaBytes, signMeta } from '../simulate/meta-json.js';
import { assembleEnvelope } from '../simulate/payloads/envelope.js';
import type { JsonObject } from '../simulate/payloads/json.js';
import type { BusinessNumber, SimUser } from '../simulate/payloads/people.js';
import { buildStatusItem, type Recipient } from '../simulate/payloads/statuses.js';
import type { PlannedStatus } from './status-plan.js';

export interface WebhookTarget {
  url: string;
  appSecret: string;
}

export interface AcceptedSend {
  wamid: string;
  number: BusinessNumber;
  waId: string | null;
  userId: string;
  bizOpaqueCallbackData: string | null;
  /** Unix seconds of the send. */
  timestamp: number;
  /** Category of a template send, for `pricing`. */
  category: string;
}

const MAX_ATTEMPTS = 6;

export class StatusWebhooks {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** POSTs answered 2xx, for tests and the control API. */
  delivered = 0;
  failedPosts = 0;

  constructor(
    private target: WebhookTarget | null,
    private stepMs: number,
  ) {}

  configure(target: WebhookTarget | null, stepMs?: number): void {
    this.target = target;
    if (stepMs !== undefined) this.stepMs = stepMs;
  }

  /** Queues the POSTs of one send; they start `stepMs` after the answer went out. */
  schedule(send: AcceptedSend, posts: PlannedStatus[][]): void {
    const target = this.target;
    if (target === null || posts.length === 0) return;
    this.inFlight += 1;
    void this.run(target, send, posts).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when every scheduled POST has been answered or given up. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async run(target: WebhookTarget, send: AcceptedSend, posts: PlannedStatus[][]): Promise<void> {
    for (const post of posts) {
      await this.sleep(this.stepMs);
      if (this.stopped) return;
      const body = serializeMetaBytes(envelopeFor(send, post));
      for (let attempt = 1; attempt <= MAX_ATTEMPTS && !this.stopped; attempt++) {
        if (await this.post(target, body)) {
          this.delivered += 1;
          break;
        }
        if (attempt === MAX_ATTEMPTS) this.failedPosts += 1;
        else await this.sleep(Math.min(2_000, 50 * 2 ** attempt));
      }
    }
  }

  private async post(target: WebhookTarget, body: Buffer): Promise<boolean> {
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Hub-Signature-256': signMeta(body, target.appSecret),
          'User-Agent': 'facebookexternalua',
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status >= 200 && response.status < 300;
    } catch {
      // A refused connection or a timeout is retried like a non-2xx answer, as Meta retries.
      return false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

function envelopeFor(send: AcceptedSend, post: readonly PlannedStatus[]): JsonObject {
  const user: SimUser = { name: 'WhatsApp User', waId: send.waId, userId: send.userId, username: null };
  const recipient: Recipient = { kind: 'user', user };
  return assembleEnvelope(
    post.map((planned) =>
      buildStatusItem({
        wamid: send.wamid,
        number: send.number,
        recipient,
        status: planned.status,
        timestamp: send.timestamp + planned.offsetSeconds,
        ...(send.bizOpaqueCallbackData === null ? {} : { bizOpaqueCallbackData: send.bizOpaqueCallbackData }),
        ...(planned.status === 'sent'
          ? { billing: { category: send.category, type: 'regular' as const, conversationId: null } }
          : {}),
        ...(planned.errors ? { errors: planned.errors as unknown as JsonObject[] } : {}),
      }),
    ),
  );
}

/** A stable BSUID-shaped user id for a wa_id, so every status of one user names the same one. */
export function userIdFor(waId: string, country: string | null): string {
  const digits = BigInt(`0x${createHash('sha256').update(waId).digest('hex').slice(0, 15)}`).toString();
  return `${country ?? 'US'}.${digits}`;
}
