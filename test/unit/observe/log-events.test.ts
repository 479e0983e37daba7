import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Bus } from '../../../src/observe/bus.js';
import { logBusEvents } from '../../../src/observe/log-events.js';

function capture(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('log lines from the bus', () => {
  it('names the inbox row and the way to reprocess it when a row is quarantined', () => {
    const bus = new Bus();
    const { logger, lines } = capture();
    logBusEvents(bus, logger);
    bus.emit('process:row', {
      inboxId: 42,
      outcome: 'quarantined',
      lagMs: 3,
      items: 0,
      reason: 'invalid JSON',
    });
    bus.emit('process:row', { inboxId: 43, outcome: 'processed', lagMs: 3, items: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      inboxId: 42,
      reason: 'invalid JSON',
      event: 'inbox.quarantined',
    });
    expect(String(lines[0]?.msg)).toContain('/v1/inbox/42/reprocess');
  });

  it('keeps refused requests at debug so the ack path logs nothing at info', () => {
    const bus = new Bus();
    const { logger, lines } = capture('info');
    logBusEvents(bus, logger);
    bus.emit('webhook:rejected', { status: 401, reason: 'signature_mismatch', source: 'meta' });
    bus.emit('webhook:accepted', { source: 'meta', bytes: 10, ackMs: 1 });
    expect(lines).toEqual([]);
  });

  it('reports a failed inbox commit as an error', () => {
    const bus = new Bus();
    const { logger, lines } = capture();
    logBusEvents(bus, logger);
    bus.emit('inbox:commit_failed', { rows: 7, error: 'SQLITE_BUSY' });
    expect(lines[0]).toMatchObject({ level: 50, event: 'inbox.commit.failing', error: 'SQLITE_BUSY' });
  });

  it('logs a failure that repeats per request as started, still failing with a count, recovered', () => {
    const bus = new Bus();
    const { logger, lines } = capture();
    const clock = {
      t: 1_000_000,
      now() {
        return this.t;
      },
    };
    logBusEvents(bus, logger, clock);
    for (let i = 0; i < 1_000; i++) {
      bus.emit('webhook:store_failed', { error: 'database or disk is full' });
      clock.t += 10;
    }
    // 1,000 refusals over 10 s: the start only, the repeat line waits for 30 s.
    expect(lines.map((line) => line.event)).toEqual(['webhook.store.failing']);
    clock.t += 25_000;
    bus.emit('webhook:store_failed', { error: 'database or disk is full' });
    expect(lines[1]).toMatchObject({
      level: 50,
      event: 'webhook.store.still_failing',
      failures: 1_000,
      totalFailures: 1_001,
    });
    bus.emit('webhook:store_failed', { error: 'database or disk is full' });
    // Recovery is told once per committed batch, not once per accepted request.
    bus.emit('webhook:accepted', { source: 'meta', bytes: 10, ackMs: 1 });
    bus.emit('inbox:committed', { rows: 2, commitMs: 1 });
    bus.emit('inbox:committed', { rows: 2, commitMs: 1 });
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ level: 40, event: 'webhook.store.recovered', totalFailures: 1_002 });
    // A new failure after recovery is a new story and is logged at once.
    bus.emit('webhook:store_failed', { error: 'database or disk is full' });
    expect(lines[3]).toMatchObject({ event: 'webhook.store.failing' });
  });

  it('keeps streaks apart by what failed, and a loop that goes round ends its own', () => {
    const bus = new Bus();
    const { logger, lines } = capture();
    logBusEvents(bus, logger);
    for (let i = 0; i < 50; i++) {
      bus.emit('process:batch_failed', { error: 'SQLITE_FULL' });
      bus.emit('loop:error', { loop: 'worker', error: 'SQLITE_FULL' });
      bus.emit('readiness:failed', { error: 'SQLITE_FULL' });
    }
    expect(lines.map((line) => line.event).sort()).toEqual([
      'loop.worker.failing',
      'process.batch.failing',
      'readiness.failing',
    ]);
    bus.emit('loop:ok', { loop: 'worker' });
    bus.emit('loop:ok', { loop: 'delivery' });
    expect(
      lines
        .slice(3)
        .map((line) => line.event)
        .sort(),
    ).toEqual(['loop.worker.recovered', 'process.batch.recovered']);
  });
});
