import { describe, expect, it } from 'vitest';
import { withoutMentions, withoutPerson } from '../../../src/whatsapp/person-redaction.js';

const LENA = { kind: 'wa_id' as const, value: '4915112345678' };

describe('withoutPerson', () => {
  it('drops the fields and array items that name the person in any spelling, and keeps the rest', () => {
    const metadata = {
      customer: '+4917600000042',
      referred_by: '+49 151 1234 5678',
      household: ['4915112345678', '4917600000043'],
      contacts: [{ phone: '(49) 151-1234-5678', role: 'friend' }, { phone: '4917600000044' }],
      order: 7731,
    };
    expect(withoutPerson(metadata, LENA)).toEqual({
      customer: '+4917600000042',
      household: ['4917600000043'],
      contacts: [{ phone: '4917600000044' }],
      order: 7731,
    });
  });

  it('drops a field or array item holding the number as a JSON number, and keeps other numbers', () => {
    const metadata = { referred_by: 4915112345678, household: [4915112345678, 4917600000043], order: 7731 };
    expect(withoutPerson(metadata, LENA)).toEqual({ household: [4917600000043], order: 7731 });
  });

  it('keeps a longer number that only contains the digits, and a BSUID only when equal', () => {
    expect(withoutPerson({ other: '49151123456789' }, LENA)).toEqual({ other: '49151123456789' });
    const bsuid = { kind: 'user_id' as const, value: 'DE.8841203399120045771' };
    expect(withoutPerson({ a: 'DE.8841203399120045771', b: 'DE.88412033991200457710' }, bsuid)).toEqual({
      b: 'DE.88412033991200457710',
    });
  });
});

describe('withoutMentions', () => {
  it('replaces the number inside texts in any international spelling, and keeps the rest', () => {
    const message = {
      type: 'text',
      text: { body: 'Lena (+49 151 1234 5678) sent you, call 004915112345678 or wa.me/4915112345678.' },
      lines: ['(+49) 151-1234-5678 is her number', 'nothing here'],
    };
    expect(withoutMentions(message, LENA)).toEqual({
      type: 'text',
      text: { body: 'Lena ([erased]) sent you, call [erased] or wa.me/[erased].' },
      lines: ['([erased] is her number', 'nothing here'],
    });
  });

  it('keeps a longer number that contains the digits, and a longer BSUID', () => {
    const text = { body: 'call 49151123456789 or 14915112345678, order 4915112345678' };
    expect(withoutMentions(text, LENA)).toEqual({
      body: 'call 49151123456789 or 14915112345678, order [erased]',
    });
    const bsuid = { kind: 'user_id' as const, value: 'DE.8841203399120045771' };
    expect(withoutMentions({ body: 'DE.8841203399120045771 and DE.88412033991200457710' }, bsuid)).toEqual({
      body: '[erased] and DE.88412033991200457710',
    });
  });
});
