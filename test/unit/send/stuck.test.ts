import { afterEach, expect, it } from 'vitest';
import { Bus } from '../../../src/observe/bus.js';
import { createStuckScanner } from '../../../src/send/stuck.js';
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
  const scanner = createStuckScanner({
    store: temp.store,
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
});
