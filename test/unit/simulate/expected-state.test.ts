import { describe, expect, it } from 'vitest';
import { finalStatusOf } from '../../../src/simulate/expected-state.js';

const at = (status: string, timestamp: number) => ({ status, timestamp });

describe('expected final status', () => {
  it('takes the highest rank whatever the arrival order', () => {
    expect(finalStatusOf([at('read', 3), at('sent', 1), at('delivered', 2)])).toBe('read');
    expect(finalStatusOf([at('delivered', 2), at('read', 3), at('delivered', 2)])).toBe('read');
  });

  it('accepts read without delivered', () => {
    expect(finalStatusOf([at('read', 5), at('sent', 1)])).toBe('read');
  });

  it('ranks played above read', () => {
    expect(finalStatusOf([at('played', 9), at('read', 5), at('delivered', 2)])).toBe('played');
  });

  it('keeps failed over sent and over older delivery news', () => {
    expect(finalStatusOf([at('failed', 3), at('sent', 1)])).toBe('failed');
    expect(finalStatusOf([at('sent', 4), at('failed', 3)])).toBe('failed');
    expect(finalStatusOf([at('delivered', 2), at('failed', 3)])).toBe('failed');
  });

  it('lets a newer delivered overturn failed', () => {
    expect(finalStatusOf([at('failed', 3), at('delivered', 4)])).toBe('delivered');
  });

  it('ignores status words it does not rank', () => {
    expect(finalStatusOf([at('deleted', 9), at('sent', 1)])).toBe('sent');
    expect(finalStatusOf([at('warning', 9)])).toBeNull();
  });
});
