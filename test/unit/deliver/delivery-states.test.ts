import { describe, expect, it } from 'vitest';
import {
  checkDeliveryTransition,
  DELIVERY_EVENTS,
  DELIVERY_STATES,
  DELIVERY_TRANSITIONS,
} from '../../../src/deliver/delivery-states.js';

describe('delivery state machine', () => {
  it('moves pending to succeeded or dead, and dead back to pending only on replay', () => {
    expect(checkDeliveryTransition('pending', 'answered_2xx')).toBe('succeeded');
    expect(checkDeliveryTransition('pending', 'failed_with_retries_left')).toBe('pending');
    expect(checkDeliveryTransition('pending', 'failed_last_retry')).toBe('dead');
    expect(checkDeliveryTransition('pending', 'subscription_disabled')).toBe('dead');
    expect(checkDeliveryTransition('dead', 'replayed')).toBe('pending');
  });

  it('refuses every move the table does not list, and succeeded is final', () => {
    for (const on of DELIVERY_EVENTS)
      expect(() => checkDeliveryTransition('succeeded', on)).toThrow(/cannot move/);
    expect(() => checkDeliveryTransition('dead', 'answered_2xx')).toThrow(/cannot move/);
    expect(() => checkDeliveryTransition('pending', 'replayed')).toThrow(/cannot move/);
  });

  it('lists each (state, event) at most once', () => {
    const keys = DELIVERY_TRANSITIONS.map((entry) => `${entry.from}:${entry.on}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const entry of DELIVERY_TRANSITIONS) expect(DELIVERY_STATES).toContain(entry.to);
  });
});
