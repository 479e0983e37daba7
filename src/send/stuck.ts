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
 *
 * What a scan reads stays bounded: the sends of its look-back, and the older sends judged within
 * STUCK_FINAL_AFTER_MS, each page with its messages' statuses in one query. A judgement older than
 * that is final: no status can still arrive, and a message Meta dropped is never read again.
 */
import { eventIdFor } from '../events/ids.js';
import { EVENT_SCHEMA_VERSION, EVENT_TYPES } from '../events/types.js';
import type { Clock } from '../lib/clock.js';
import type { Bus } from '../observe/bus.js';
import type { NewEvent, ProcessingStore } from '../store/ports.js';
import type { ScannedSend, SendRow, SendStore, StuckJudgement, StuckStage } from '../store/send-ports.js';

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
const DAY_MS = 24 * 60 * 60_000;

/**
 * How long after its judgement a flag is re-read. Meta keeps trying a message for its TTL, 30 days
 * at most, and retries the webhook of a late status for up to 7 days more; past that, plus a day,
 * no status can still arrive, so the flag is final: kept (the stuck list shows it, checking the
 * message's status itself) but no longer read, counted or cleared by the scan.
 */
export const STUCK_FINAL_AFTER_MS = 38 * DAY_MS;

type ScanDeps = Parameters<typeof createStuckScanner>[0];
type Counts = { sent: number; delivered: number };

export function createStuckScanner(deps: {
  store: SendStore & ProcessingStore;
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
      // Send ids begin with their creation time, so the look-back is an id: sends older than twice
      // the longest limit were judged long ago and are not judged again. The few that still carry
      // a judgement are only re-read to clear it once their message moved on: judging them anew
      // would announce stages again, wrongly once retention has purged the message row (its
      // status then reads as never sent), and again once the first announcement's event is gone.
      // Those judged before the horizon are not read at all: sends are never purged, so their
      // number only grows.
      const lookBack = now - 2 * Math.max(sentAfterMs, deliveredAfterMs);
      const lookBackId = `snd_${Math.max(0, lookBack).toString(36).padStart(9, '0')}`;
      await eachPage(
        (last) =>
          deps.store.listFlaggedSends({
            beforeId: lookBackId,
            after: last
              ? { stuckAt: last.stuckAt ?? 0, id: last.id }
              : { stuckAt: now - STUCK_FINAL_AFTER_MS, id: '' },
            limit: PAGE,
          }),
        (page) => clearMovedOn(deps, page, now, counts),
      );
      await eachPage(
        (last) =>
          deps.store.listScanWindow({
            createdBefore: now - shortest,
            afterId: last?.id ?? lookBackId,
            limit: PAGE,
          }),
        (page) => judgePage(deps, page, now, counts),
      );
      deps.bus.emit('send:stuck_scan', counts);
      return counts;
    },
  };
}

/** Reads pages of sends, each after the last send of the one before, until one comes back short. */
async function eachPage(
  read: (last: SendRow | undefined) => Promise<ScannedSend[]>,
  handle: (page: readonly ScannedSend[]) => Promise<void>,
): Promise<void> {
  for (let last: SendRow | undefined; ; ) {
    const page = await read(last);
    await handle(page);
    const end = page.at(-1);
    if (!end || page.length < PAGE) return;
    last = end.send;
  }
}

/**
 * Old flagged sends: a flag whose message moved on is cleared; the others keep the stage they were
 * judged at and count. No events: their stage was announced when it was judged.
 */
async function clearMovedOn(
  deps: ScanDeps,
  page: readonly ScannedSend[],
  now: number,
  counts: Counts,
): Promise<void> {
  const cleared: StuckJudgement[] = [];
  for (const { send, status } of page) {
    const stillStuck = judgeStuck(send, status, now, deps.options) !== undefined;
    if (stillStuck && send.stuckStage) counts[send.stuckStage] += 1;
    else cleared.push({ sendId: send.id, stage: null });
  }
  await deps.store.setStuck(cleared, now);
}

/** Judges one page of sends: writes the new stuck events, then the judgements that changed. */
async function judgePage(
  deps: ScanDeps,
  page: readonly ScannedSend[],
  now: number,
  counts: Counts,
): Promise<void> {
  const events: NewEvent[] = [];
  const changed: StuckJudgement[] = [];
  for (const { send, status } of page) {
    const stage = judgeStuck(send, status, now, deps.options);
    if ((stage ?? null) !== send.stuckStage) changed.push({ sendId: send.id, stage: stage ?? null });
    if (stage === undefined) continue;
    counts[stage] += 1;
    events.push(stuckEvent(send, stage, status ?? 'accepted', now));
  }
  if (events.length > 0) {
    await deps.store.withProcessingTx(async (tx) => tx.enqueueDeliveries(await tx.insertEvents(events), now));
  }
  // After the events: a crash between the two leaves the judgement unchanged, and the next scan
  // writes it (the events are deduplicated by id).
  await deps.store.setStuck(changed, now);
}
