/**
 * Stuck messages (whatsapp-sending.md §8): a send WhatsApp accepted whose statuses stopped short.
 *
 * Judged per stage, with what legitimately stays incomplete left out:
 * - `sent`: no `sent` (nor anything later) `sentAfterMs` after an accepted send. Not judged for a
 *   template Meta held for quality assessment: it has no `sent` until released.
 * - `delivered`: `sent` but no `delivered`/`read`/`played` within the message's TTL or
 *   `deliveredAfterMs`, whichever is shorter (authentication templates live 10 minutes). Never
 *   judged for reactions, which only ever get `sent`. `read` is never expected: users can turn
 *   read receipts off.
 * A failed message is not stuck: it ended, and its `message.status` said why.
 *
 * Each (message, stage) yields one `message.stuck` event: its id is derived from both, so the
 * scan can run every minute, on every worker, and the event log keeps the first. The judgement is
 * also kept on the send (stuck stage and since when, set and cleared as it changes), which is what
 * GET /v1/messages?stuck=true and the dashboard list.
 */
import { eventIdFor } from '../events/ids.js';
import { EVENT_SCHEMA_VERSION, EVENT_TYPES } from '../events/types.js';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { MessageReader, NewEvent, ProcessingStore } from '../store/ports.js';
import type { SendRow, SendStore, StuckJudgement, StuckStage } from '../store/send-ports.js';

export type { StuckStage } from '../store/send-ports.js';

export interface StuckOptions {
  sentAfterMs: number;
  deliveredAfterMs: number;
}

const AUTH_TTL_MS = 10 * 60_000;
const DONE = new Set(['delivered', 'read', 'played', 'failed']);

/** Pure: which stage this send is stuck at now, if any, from its send row and current status. */
export function judgeStuck(
  send: SendRow,
  currentStatus: string | undefined,
  now: number,
  options: StuckOptions,
): StuckStage | undefined {
  if (send.state !== 'accepted' || send.wamid === null) return undefined;
  const status = currentStatus ?? 'accepted';
  if (DONE.has(status)) return undefined;
  const age = now - send.createdAt;
  if (status === 'accepted') {
    if (send.messageStatus === 'held_for_quality_assessment' || send.messageStatus === 'paused')
      return undefined;
    return options.sentAfterMs > 0 && age > options.sentAfterMs ? 'sent' : undefined;
  }
  if (send.messageType === 'reaction' || options.deliveredAfterMs <= 0) return undefined;
  const limit = Math.min(
    options.deliveredAfterMs,
    isAuthTemplate(send) ? AUTH_TTL_MS : Number.POSITIVE_INFINITY,
  );
  return age > limit ? 'delivered' : undefined;
}

function isAuthTemplate(send: SendRow): boolean {
  const message = send.message as { template?: { name?: unknown } } | null;
  // The category is not in the send body; templates named for one-time codes are the usual case.
  return (
    send.messageType === 'template' && /otp|auth|code|verif/i.test(String(message?.template?.name ?? ''))
  );
}

const CAUSES: Record<StuckStage, string[]> = {
  sent: [
    'no status webhook reached wahook: check that the app is subscribed to the messages field for this WABA',
    'Meta cannot reach the webhook URL, or its requests are refused (wahook doctor <url>, wahook requests)',
    'the business number or account is restricted, or the template is paced (held) without Meta saying so',
  ],
  delivered: [
    "the recipient's phone is offline, out of coverage or has no WhatsApp any more",
    'Meta keeps retrying until the TTL (30 days; 10 minutes for authentication templates), then drops the message without a webhook',
    'the number reaches a different WhatsApp account than intended (check the wa_id of the send)',
  ],
};

export function stuckEvent(send: SendRow, stage: StuckStage, status: string, now: number): NewEvent {
  const wamid = send.wamid as string;
  return {
    id: eventIdFor('stuck', [wamid, stage]),
    type: EVENT_TYPES.messageStuck,
    schemaVersion: EVENT_SCHEMA_VERSION,
    createdAt: now,
    orderingKey: `msg:${wamid}`,
    phoneNumberId: send.phoneNumberId,
    data: {
      messageId: wamid,
      phoneNumberId: send.phoneNumberId,
      stage,
      currentStatus: status,
      sentAt: new Date(send.createdAt).toISOString(),
      waitedSeconds: Math.round((now - send.createdAt) / 1000),
      likelyCauses: CAUSES[stage],
      metadata: send.metadata,
      send: { id: send.id, input: send.input, to: send.recipient },
    },
  };
}

export interface StuckScanner {
  /** One scan: judges recent accepted sends, writes the new events, answers how many are stuck per stage. */
  runOnce(): Promise<{ sent: number; delivered: number }>;
}

const PAGE = 500;

export function createStuckScanner(deps: {
  store: SendStore & MessageReader & ProcessingStore;
  clock: Clock;
  bus: Bus;
  options: StuckOptions;
}): StuckScanner {
  return {
    async runOnce() {
      const now = deps.clock.now();
      const { sentAfterMs, deliveredAfterMs } = deps.options;
      const shortest = Math.min(...[sentAfterMs, deliveredAfterMs].filter((ms) => ms > 0));
      const counts = { sent: 0, delivered: 0 };
      if (!Number.isFinite(shortest)) return counts;
      // Send ids begin with their creation time, so the horizon is an id: sends older than twice
      // the longest limit were judged long ago and are not judged again. The few that still carry
      // a judgement are only re-read to clear it once their message moved on: judging them anew
      // would announce stages again, wrongly once retention has purged the message row (its
      // status then reads as never sent), and again once the first announcement's event is gone.
      const horizon = now - 2 * Math.max(sentAfterMs, deliveredAfterMs);
      const horizonId = `snd_${Math.max(0, horizon).toString(36).padStart(9, '0')}`;
      const judge = (page: readonly SendRow[]) => judgePage(deps, page, now, counts);
      await eachPage(
        (afterId) => deps.store.listFlaggedSendsBefore({ beforeId: horizonId, limit: PAGE, afterId }),
        (page) => clearMovedOn(deps, page, now, counts),
      );
      await eachPage(
        (afterId) =>
          deps.store.listSends({ states: ['accepted'], createdBefore: now - shortest, limit: PAGE, afterId }),
        judge,
        horizonId,
      );
      deps.bus.emit('send:stuck_scan', counts);
      return counts;
    },
  };
}

/** Reads pages of sends in id order, from after `afterId`, until one comes back short. */
async function eachPage(
  read: (afterId: string) => Promise<SendRow[]>,
  handle: (page: readonly SendRow[]) => Promise<void>,
  afterId = '',
): Promise<void> {
  for (let after = afterId; ; ) {
    const page = await read(after);
    await handle(page);
    const last = page.at(-1);
    if (!last || page.length < PAGE) return;
    after = last.id;
  }
}

/**
 * Old flagged sends: a flag whose message moved on is cleared; the others keep the stage they were
 * judged at and count. No events: their stage was announced when it was judged.
 */
async function clearMovedOn(
  deps: Parameters<typeof createStuckScanner>[0],
  page: readonly SendRow[],
  now: number,
  counts: { sent: number; delivered: number },
): Promise<void> {
  const cleared: StuckJudgement[] = [];
  for (const send of page) {
    const message = send.wamid === null ? undefined : await deps.store.getMessage(send.wamid);
    const stillStuck = judgeStuck(send, message?.status, now, deps.options) !== undefined;
    if (stillStuck && send.stuckStage) counts[send.stuckStage] += 1;
    else cleared.push({ sendId: send.id, stage: null });
  }
  await deps.store.setStuck(cleared, now);
}

/** Judges one page of sends: writes the new stuck events, then the judgements that changed. */
async function judgePage(
  deps: Parameters<typeof createStuckScanner>[0],
  page: readonly SendRow[],
  now: number,
  counts: { sent: number; delivered: number },
): Promise<void> {
  const events: NewEvent[] = [];
  const changed: StuckJudgement[] = [];
  for (const send of page) {
    const message = send.wamid === null ? undefined : await deps.store.getMessage(send.wamid);
    const stage = judgeStuck(send, message?.status, now, deps.options);
    if ((stage ?? null) !== send.stuckStage) changed.push({ sendId: send.id, stage: stage ?? null });
    if (stage === undefined) continue;
    counts[stage] += 1;
    events.push(stuckEvent(send, stage, message?.status ?? 'accepted', now));
  }
  if (events.length > 0) {
    await deps.store.withProcessingTx(async (tx) => tx.enqueueDeliveries(await tx.insertEvents(events), now));
  }
  // After the events: a crash between the two leaves the judgement unchanged, and the next scan
  // writes it (the events are deduplicated by id).
  await deps.store.setStuck(changed, now);
}
