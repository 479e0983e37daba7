/**
 * The stuck list behind GET /v1/messages?stuck=true and the dashboard's stuck filter: sends the
 * stuck scan judged stuck and whose message has not moved on since, newest judgement first. Each
 * entry is the message as GET /v1/messages/{wamid} shows it (a send whose first status never came
 * is shown from its send) with `stuck: {stage, since}`.
 */
import type { SendRow, SendStore, StuckStage } from '../store/send-ports.js';
import { isTimeCursor } from './cursors.js';
import { messageWithContext } from './message-json.js';

export type StuckStore = Pick<SendStore, 'listStuckSends'>;

export interface StuckCursor {
  stuckAt: number;
  id: string;
}

export interface StuckEntry {
  send: SendRow;
  message: NonNullable<ReturnType<typeof messageWithContext>>;
  stuck: { stage: StuckStage; since: string };
}

/** Longest send id a cursor may carry (ours are about 30 characters). */
const MAX_CURSOR_ID = 128;

/** One query per page: the stuck sends come with their messages (listStuckSends joins them). */
export async function listStuckMessages(
  store: StuckStore,
  options: { limit: number; phoneNumberId?: string; before?: StuckCursor },
): Promise<{ entries: StuckEntry[]; next: string | null }> {
  const stuck = await store.listStuckSends(options);
  const entries = stuck.map(({ send, message }): StuckEntry => {
    const wamid = send.wamid as string;
    const json = messageWithContext(wamid, message, { wamid, metadata: send.metadata, send });
    return {
      send,
      // A send always yields a message view, with or without a stored status.
      message: json as NonNullable<typeof json>,
      stuck: {
        stage: send.stuckStage as StuckStage,
        since: new Date(send.stuckAt ?? 0).toISOString(),
      },
    };
  });
  const last = stuck.at(-1)?.send;
  return {
    entries,
    next: last && stuck.length === options.limit ? encodeStuckCursor(last) : null,
  };
}

/** The API's answer: each message with its `stuck` judgement. */
export function stuckListJson(list: { entries: StuckEntry[]; next: string | null }) {
  return {
    messages: list.entries.map((entry) => ({ ...entry.message, stuck: entry.stuck })),
    next: list.next,
  };
}

function encodeStuckCursor(send: SendRow): string {
  return Buffer.from(JSON.stringify(['stuck', send.stuckAt, send.id])).toString('base64url');
}

export function decodeStuckCursor(text: string): StuckCursor | undefined {
  try {
    const [tag, stuckAt, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    return tag === 'stuck' && isTimeCursor(stuckAt) && typeof id === 'string' && id.length <= MAX_CURSOR_ID
      ? { stuckAt, id }
      : undefined;
  } catch {
    return undefined;
  }
}
