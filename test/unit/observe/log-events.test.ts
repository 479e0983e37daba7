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
    expect(lines[0]).toMatchObject({ level: 50, rows: 7, error: 'SQLITE_BUSY' });
  });
});
