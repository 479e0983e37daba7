import { describe, expect, it } from 'vitest';
import { maskPhone } from '../../../src/observe/logger.js';

describe('maskPhone', () => {
  it('keeps the country prefix and the last digits of a full number', () => {
    expect(maskPhone('4915112345678')).toBe('49151******78');
    expect(maskPhone('+49 151 12345678')).toBe('49151******78');
  });

  it('hides most digits of any length without throwing', () => {
    for (let length = 1; length <= 20; length++) {
      const digits = '1234567890123456789012'.slice(0, length);
      const masked = maskPhone(digits) ?? '';
      expect(masked).toHaveLength(length);
      const hidden = [...masked].filter((char) => char === '*').length;
      expect(hidden).toBeGreaterThanOrEqual(length >= 10 ? length - 7 : Math.ceil(length / 2));
    }
  });

  it('passes null and empty through', () => {
    expect(maskPhone(null)).toBeNull();
    expect(maskPhone(undefined)).toBeNull();
    expect(maskPhone('')).toBe('');
  });
});
