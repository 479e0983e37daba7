import { describe, expect, it } from 'vitest';
import { bsuidRecipient, phoneRecipient, waIdVariants } from '../../../src/whatsapp/recipient.js';

describe('phone numbers to E.164', () => {
  it.each([
    ['0504370045', 'IL', '+972504370045'],
    ['050-437-0045', 'IL', '+972504370045'],
    ['050 437 0045', 'IL', '+972504370045'],
    ['+972504370045', undefined, '+972504370045'],
    ['+972 50-437-0045', 'DE', '+972504370045'],
    ['972504370045', undefined, '+972504370045'],
    ['972504370045', 'IL', '+972504370045'],
    ['00972504370045', 'DE', '+972504370045'],
    ['(0)151 12345678', 'DE', '+4915112345678'],
    ['1 (631) 555-1234', 'IN', '+16315551234'],
    ['+55 11 98765-4321', undefined, '+5511987654321'],
  ])('%s with region %s is %s', (input, region, e164) => {
    const outcome = phoneRecipient(input, region);
    expect(outcome).toMatchObject({ ok: true, recipient: { kind: 'phone', input, e164 } });
  });

  it('keeps the typed input byte for byte beside the E.164 form', () => {
    const outcome = phoneRecipient('050-437-0045', 'il');
    expect(outcome).toEqual({
      ok: true,
      recipient: {
        kind: 'phone',
        input: '050-437-0045',
        e164: '+972504370045',
        country: 'IL',
        type: 'MOBILE',
      },
    });
  });

  it.each([
    ['0504370045', undefined, 'needs a region'],
    ['12', 'IL', 'not a valid phone number'],
    ['+97250437', undefined, 'not a valid phone number'],
    ['050437004a', 'IL', 'characters other than digits'],
    ['', 'IL', '1 to 64 characters'],
    ['0504370045', 'ZZ', 'not an ISO 3166 country code'],
    ['US.13491208655302741918', undefined, 'send it as "recipient"'],
  ])('refuses %s (region %s) saying why', (input, region, reason) => {
    const outcome = phoneRecipient(input, region);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.reason).toContain(reason);
  });
});

describe('BSUIDs', () => {
  it.each(['US.13491208655302741918', 'DE.8841abcXYZ', 'BR.ENT.99887766'])('uses %s verbatim', (bsuid) => {
    expect(bsuidRecipient(bsuid)).toEqual({
      ok: true,
      recipient: { kind: 'bsuid', input: bsuid, userId: bsuid },
    });
  });

  it('refuses what has no BSUID shape instead of guessing', () => {
    expect(bsuidRecipient('+972504370045').ok).toBe(false);
    expect(bsuidRecipient('us.123').ok).toBe(false);
  });
});

describe('wa_id variants', () => {
  it('pairs Brazilian mobiles with and without the added 9', () => {
    expect(waIdVariants('+5511987654321')).toEqual(['5511987654321', '551187654321']);
    expect(waIdVariants('+551187654321')).toEqual(['551187654321', '5511987654321']);
  });
  it('leaves Brazilian landlines alone', () => {
    expect(waIdVariants('+551133334444')).toEqual(['551133334444']);
  });
  it('pairs Mexico 52 and 521, Argentina 549 and 54', () => {
    expect(waIdVariants('+525512345678')).toEqual(['525512345678', '5215512345678']);
    expect(waIdVariants('+5491123456789')).toEqual(['5491123456789', '541123456789']);
  });
  it('gives an Israeli number only itself', () => {
    expect(waIdVariants('+972504370045')).toEqual(['972504370045']);
  });
});
