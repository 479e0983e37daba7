import { describe, expect, it } from 'vitest';
import { DeliveryWindows } from '../../../src/deliver/window.js';

const policy = { initial: 16, min: 1, max: 256 };

describe('delivery windows', () => {
  it('start at the initial window, within the bounds', () => {
    expect(new DeliveryWindows(policy).limit('sub_a')).toBe(16);
    expect(new DeliveryWindows({ initial: 16, min: 1, max: 2 }).limit('sub_a')).toBe(2);
  });

  it('grow by one per fast answer while the window is full, up to the maximum', () => {
    const windows = new DeliveryWindows({ initial: 16, min: 1, max: 20 });
    for (let n = 0; n < 3; n++) windows.observe('sub_a', 10, true, true);
    expect(windows.limit('sub_a')).toBe(19);
    for (let n = 0; n < 10; n++) windows.observe('sub_a', 10, true, true);
    expect(windows.limit('sub_a')).toBe(20);
  });

  it('do not grow when the window was not full: more room would not have been used', () => {
    const windows = new DeliveryWindows(policy);
    for (let n = 0; n < 10; n++) windows.observe('sub_a', 10, true, false);
    expect(windows.limit('sub_a')).toBe(16);
  });

  it('keep growing for an endpoint that is slow but steady: its rate needs latency × rate in flight', () => {
    const windows = new DeliveryWindows(policy);
    for (let n = 0; n < 50; n++) windows.observe('sub_a', 300, true, true);
    expect(windows.limit('sub_a')).toBe(66);
  });

  it('shrink by a quarter when an answer takes far longer than the usual, or fails', () => {
    const windows = new DeliveryWindows(policy);
    for (let n = 0; n < 14; n++) windows.observe('sub_a', 10, true, true);
    expect(windows.limit('sub_a')).toBe(30);
    windows.observe('sub_a', 400, true, true);
    expect(windows.limit('sub_a')).toBe(22);
    windows.observe('sub_a', 10, false, true);
    expect(windows.limit('sub_a')).toBe(16);
    for (let n = 0; n < 20; n++) windows.observe('sub_a', 10, false, true);
    expect(windows.limit('sub_a')).toBe(1);
  });

  it('hold still through a hiccup of a busy machine: slower than usual, but not by much in time', () => {
    const windows = new DeliveryWindows(policy);
    for (let n = 0; n < 4; n++) windows.observe('sub_a', 1, true, true);
    windows.observe('sub_a', 130, true, true);
    expect(windows.limit('sub_a')).toBe(20);
  });

  it('keep one window per subscription', () => {
    const windows = new DeliveryWindows(policy);
    windows.observe('sub_a', 10, true, true);
    expect(windows.limit('sub_a')).toBe(17);
    expect(windows.limit('sub_b')).toBe(16);
  });
});
