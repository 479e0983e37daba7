import { describe, expect, it } from 'vitest';
import { planDeliveries } from '../../../src/simulate/delivery-plan.js';
import { createTraffic } from '../../../src/simulate/traffic.js';

const NOW = 1767261600;
const traffic = createTraffic({ seed: 'plan', messages: 300, inbound: 200, startTime: NOW });

function plan(overrides: { duplicates?: number; reorder?: number; batchSize?: number }) {
  return planDeliveries(traffic, {
    seed: 'plan',
    batchSize: overrides.batchSize ?? 1,
    duplicates: overrides.duplicates ?? 0,
    reorder: overrides.reorder ?? 0,
    reorderWindow: 8,
  });
}

describe('delivery plan', () => {
  it('keeps the natural order and sends nothing twice when asked for neither', () => {
    const result = plan({});
    expect(result.deliveries.map((delivery) => delivery.batch)).toEqual(result.deliveries.map((_, i) => i));
    expect(result.duplicateCount).toBe(0);
    expect(result.reorderedCount).toBe(0);
  });

  it.each([0.05, 0.2, 0.5])('re-sends about %s of the POSTs byte for byte', (rate) => {
    const result = plan({ duplicates: rate });
    const copies = result.deliveries.filter((delivery) => delivery.duplicate);
    expect(copies.length).toBe(result.duplicateCount);
    expect(Math.abs(copies.length / result.batchCount - rate)).toBeLessThan(0.05);
    for (const copy of copies) {
      const original = result.deliveries.find(
        (delivery) => !delivery.duplicate && delivery.batch === copy.batch,
      );
      expect(original?.body.equals(copy.body)).toBe(true);
      expect(original?.index).toBeLessThan(copy.index);
    }
  });

  it.each([0.1, 0.3])('holds back about %s of the POSTs behind later ones', (rate) => {
    const result = plan({ reorder: rate });
    expect(Math.abs(result.reorderedCount / result.batchCount - rate)).toBeLessThan(0.05);
    const batches = result.deliveries.map((delivery) => delivery.batch);
    expect([...batches].sort((a, b) => a - b)).toEqual(batches.map((_, i) => i));
  });

  it('never holds a POST back further than the window', () => {
    const result = plan({ reorder: 0.5 });
    for (const delivery of result.deliveries) expect(delivery.index - delivery.batch).toBeLessThanOrEqual(8);
  });
});
