import { afterEach, expect, it } from 'vitest';
import { Bus } from '../../../src/observe/bus.js';
import { createStuckScanner, STUCK_FINAL_AFTER_MS } from '../../../src/send/stuck.js';
import type { NewSend } from '../../../src/store/send-ports.js';
import { describeEachStore, type EachStore } from '../../helpers/delivery-fixtures.js';
import { storedMessage } from '../../store-contract/fixtures.js';

/** The stuck detector on a real store, SQLite and PostgreSQL, and an injected clock. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * The real store, with the name of every method the scanner calls on it recorded in `calls`: what
 * a scan costs, in round trips, without changing what it does.
 */
function countingCalls<S extends object>(store: S): { store: S; calls: string[] } {
  const calls: string[] = [];
  const counted = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...args: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: counted, calls };
}

function send(id: string, type: string, createdAt = T0): NewSend {
  return {
    id,
    idempotencyKey: null,
    requestHash: id,
    phoneNumberId: '112233445566778',
    input: '+972504370045',
    recipient: '+972504370045',
    recipientKind: 'phone',
    messageType: type,
    message:
      type === 'reaction'
        ? { type, reaction: { message_id: 'wamid.X', emoji: '👍' } }
        : { type, text: { body: 'hi' } },
    metadata: { guest_id: id },
    createdAt,
  };
}

async function setup(stores: EachStore) {
  const temp = await stores.open();
  cleanups.push(temp.close);
  let now = T0;
  const bus = new Bus();
  const scans: { sent: number; delivered: number }[] = [];
  bus.on('send:stuck_scan', (event) => scans.push(event));
  const counting = countingCalls(temp.store);
  const scanner = createStuckScanner({
    store: counting.store,
    clock: { now: () => now },
    bus,
    options: { sentAfterMs: 5 * MINUTE, deliveredAfterMs: 60 * MINUTE },
  });
  const accept = async (id: string, type: string, status: string | null) => {
    // Send ids begin with their creation time, as the sender makes them.
    const sendId = `snd_${now.toString(36).padStart(9, '0')}${id}`;
    await temp.store.createSend({ ...send(sendId, type, now), metadata: { guest_id: id } });
    await temp.store.finishSend(sendId, { state: 'accepted', wamid: `wamid.${id}` }, now);
    if (status !== null)
      await temp.store.withProcessingTx((tx) => tx.putMessages([storedMessage(`wamid.${id}`, { status })]));
  };
  const stuckEvents = async () =>
    (await temp.store.listEvents({ afterSeq: 0, limit: 100, types: ['message.stuck'] })).map(
      (event) =>
        event.data as { messageId: string; stage: string; likelyCauses: string[]; metadata: unknown },
    );
  const setStatus = (id: string, status: string) =>
    temp.store.withProcessingTx((tx) => tx.putMessages([storedMessage(`wamid.${id}`, { status })]));
  const listed = async () =>
    (await temp.store.listStuckSends({ limit: 10 })).map(({ send }) => [send.wamid, send.stuckStage]);
  // The judgement as stored, whether or not the list would show it.
  const judged = async () =>
    (await temp.store.listSends({ states: ['accepted'], createdBefore: now, limit: 10 })).map(
      (row) => row.stuckStage,
    );
  // What retention does to a message row past WAHOOK_RETENTION_MESSAGES.
  const purgeMessage = (id: string) => temp.rows('DELETE FROM messages WHERE id = $1', [`wamid.${id}`]);
  return {
    scanner,
    accept,
    purgeMessage,
    stuckEvents,
    scans,
    setStatus,
    listed,
    judged,
    calls: counting.calls,
    advance: (ms: number) => (now += ms),
  };
}

describeEachStore('stuck messages', (stores) => {
  it('a text message without delivered past its limit yields one message.stuck; a reaction with only sent does not', async () => {
    const { scanner, accept, stuckEvents, advance, scans } = await setup(stores);
    await accept('text1', 'text', 'sent');
    await accept('react1', 'reaction', 'sent');
    await accept('read1', 'text', 'read');
    advance(30 * MINUTE);
    await scanner.runOnce();
    expect(await stuckEvents()).toEqual([]);
    advance(31 * MINUTE);
    await scanner.runOnce();
    await scanner.runOnce();
    const events = await stuckEvents();
    expect(events.map((event) => [event.messageId, event.stage])).toEqual([['wamid.text1', 'delivered']]);
    expect(events[0]!.likelyCauses.length).toBeGreaterThan(0);
    expect(events[0]!.metadata).toEqual({ guest_id: 'text1' });
    expect(scans.at(-1)).toEqual({ sent: 0, delivered: 1 });
  });

  it('an accepted send with no sent status past WAHOOK_STUCK_SENT_AFTER is stuck at sent, once', async () => {
    const { scanner, accept, stuckEvents, advance } = await setup(stores);
    await accept('quiet', 'text', null);
    advance(4 * MINUTE);
    await scanner.runOnce();
    expect(await stuckEvents()).toEqual([]);
    advance(2 * MINUTE);
    await scanner.runOnce();
    await scanner.runOnce();
    expect((await stuckEvents()).map((event) => event.stage)).toEqual(['sent']);
  });

  it('keeps its judgement on the send: set when stuck, moved to the next stage, cleared once delivered', async () => {
    const { scanner, accept, setStatus, listed, judged, advance } = await setup(stores);
    await accept('slow', 'text', null);
    advance(6 * MINUTE);
    await scanner.runOnce();
    expect(await listed()).toEqual([['wamid.slow', 'sent']]);
    await setStatus('slow', 'sent');
    await scanner.runOnce();
    expect(await listed()).toEqual([]);
    expect(await judged()).toEqual([null]);
    advance(60 * MINUTE);
    await scanner.runOnce();
    expect(await listed()).toEqual([['wamid.slow', 'delivered']]);
    await setStatus('slow', 'delivered');
    await scanner.runOnce();
    expect(await listed()).toEqual([]);
    expect(await judged()).toEqual([null]);
  });

  it('clears the judgement of a send older than the look-back once its message is delivered', async () => {
    const { scanner, accept, setStatus, listed, judged, advance } = await setup(stores);
    await accept('old', 'text', 'sent');
    advance(61 * MINUTE);
    await scanner.runOnce();
    expect(await judged()).toEqual(['delivered']);
    // Past twice the longest limit: the scan's look-back no longer reaches the send.
    advance(24 * 60 * MINUTE);
    await setStatus('old', 'delivered');
    expect(await listed()).toEqual([]);
    await scanner.runOnce();
    expect(await judged()).toEqual([null]);
  });

  it('announces an old send once: past the look-back its flag is kept or cleared, never judged again', async () => {
    const { scanner, accept, purgeMessage, stuckEvents, judged, advance } = await setup(stores);
    await accept('slow', 'text', 'sent');
    advance(61 * MINUTE);
    await scanner.runOnce();
    expect((await stuckEvents()).map((event) => event.stage)).toEqual(['delivered']);
    advance(24 * 60 * MINUTE);
    // Judged anew without its message row, the send would read as never sent.
    await purgeMessage('slow');
    await scanner.runOnce();
    await scanner.runOnce();
    expect(await judged()).toEqual(['delivered']);
    expect((await stuckEvents()).map((event) => event.stage)).toEqual(['delivered']);
  });

  it('keeps the judgement of an old send whose message is still stuck, and moves it on with its status', async () => {
    const { scanner, accept, setStatus, judged, advance, scans } = await setup(stores);
    await accept('lost', 'text', null);
    advance(6 * MINUTE);
    await scanner.runOnce();
    expect(await judged()).toEqual(['sent']);
    advance(24 * 60 * MINUTE);
    await scanner.runOnce();
    expect(await judged()).toEqual(['sent']);
    expect(scans.at(-1)).toEqual({ sent: 1, delivered: 0 });
    await setStatus('lost', 'read');
    await scanner.runOnce();
    expect(await judged()).toEqual([null]);
  });

  it('reads each page of sends with their statuses in one query, however many sends it judges', async () => {
    // The same history with 1 and with 40 sends per pass: old flagged sends past the look-back,
    // and recent ones judged stuck now. The store calls of the last scan must not differ. The
    // second history runs past the horizon of the first, whose flags it then does not read.
    const { scanner, accept, advance, calls, scans } = await setup(stores);
    const lastScanCalls = async (count: number) => {
      for (let i = 0; i < count; i += 1) await accept(`old${count}-${i}`, 'text', 'sent');
      advance(61 * MINUTE);
      await scanner.runOnce();
      advance(DAY);
      for (let i = 0; i < count; i += 1)
        await accept(`new${count}-${i}`, 'text', i % 2 === 0 ? 'sent' : null);
      advance(61 * MINUTE);
      calls.length = 0;
      await scanner.runOnce();
      expect(scans.at(-1)).toEqual({ sent: Math.floor(count / 2), delivered: Math.ceil(count / 2) + count });
      advance(STUCK_FINAL_AFTER_MS + DAY);
      return [...calls];
    };
    const one = await lastScanCalls(1);
    expect(one).not.toContain('getMessage');
    expect(await lastScanCalls(40)).toEqual(one);
  });

  it('stops re-reading a send flagged stuck past the horizon: the flag stays, final, out of the gauge', async () => {
    const { scanner, accept, setStatus, purgeMessage, stuckEvents, judged, listed, advance, scans } =
      await setup(stores);
    await accept('dropped', 'text', 'sent');
    await accept('late', 'text', 'sent');
    advance(61 * MINUTE);
    await scanner.runOnce();
    expect(await judged()).toEqual(['delivered', 'delivered']);
    // Within the horizon an old flag still counts, and is cleared once its message moves on.
    advance(STUCK_FINAL_AFTER_MS - DAY);
    await scanner.runOnce();
    expect(scans.at(-1)).toEqual({ sent: 0, delivered: 2 });
    // Past it, Meta has long dropped the message: neither a late status nor a purged message row
    // makes the scan read the send again, and the gauge lets go of it.
    advance(2 * DAY);
    await setStatus('late', 'delivered');
    await purgeMessage('dropped');
    await scanner.runOnce();
    await scanner.runOnce();
    expect(scans.at(-1)).toEqual({ sent: 0, delivered: 0 });
    expect(await judged()).toEqual(['delivered', 'delivered']);
    // The list reads each message's status itself: the delivered one leaves it, the dropped one stays.
    expect(await listed()).toEqual([['wamid.dropped', 'delivered']]);
    expect((await stuckEvents()).map((event) => [event.messageId, event.stage])).toEqual([
      ['wamid.dropped', 'delivered'],
      ['wamid.late', 'delivered'],
    ]);
  });
});
