import { describe, expect, it } from 'vitest';
import { ackQuantile, MinuteSeries, mergeAck } from '../../../src/dashboard/series.js';
import { Bus } from '../../../src/observe/bus.js';

describe('the overview minute series', () => {
  it('counts per minute from the bus and reads ack percentiles from the bins', () => {
    const bus = new Bus();
    let now = 10 * 60_000;
    const series = new MinuteSeries(bus, () => now);
    for (const ackMs of [3, 40, 40, 260, 1500])
      bus.emit('webhook:accepted', { source: 'meta', bytes: 1, ackMs });
    bus.emit('webhook:rejected', { status: 401, reason: 'signature_missing', source: 'meta' });
    now += 60_000;
    bus.emit('webhook:accepted', { source: 'meta', bytes: 1, ackMs: 1 });
    const [first, second] = series.window(2);
    expect(first).toMatchObject({ accepted: 5, rejected: 1, ackOver1s: 1 });
    expect(second).toMatchObject({ accepted: 1, rejected: 0 });
    const ack = mergeAck([first!]);
    expect(ackQuantile(ack, 0.5)).toBe(50);
    expect(ackQuantile(ack, 0.8)).toBe(300);
    expect(ackQuantile(ack, 1)).toBe(2000);
    expect(ackQuantile(mergeAck([]), 0.5)).toBeNull();
    series.close();
  });

  it('fills quiet minutes with empty buckets and forgets what is older than a day', () => {
    const bus = new Bus();
    let now = 0;
    const series = new MinuteSeries(bus, () => now);
    bus.emit('webhook:rejected', { status: 401, reason: 'x', source: 'meta' });
    now = 25 * 60 * 60_000;
    bus.emit('webhook:rejected', { status: 401, reason: 'x', source: 'meta' });
    const day = series.window(24 * 60);
    expect(day).toHaveLength(1440);
    expect(day.reduce((sum, bucket) => sum + bucket.rejected, 0)).toBe(1);
    series.close();
  });
});
