import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * Who a send goes to, as the Cloud API wants it (whatsapp-sending.md §7): a phone number as `+`
 * and its E.164 digits, or a BSUID used verbatim. Meta prepends the business number's own country
 * code to a number without `+`, so a national form such as `050-437-0045` must be turned into E.164
 * here, with the caller's region, before it leaves. A BSUID (`CC.` + alphanumerics, or the parent
 * form `CC.ENT.…`) is never passed through phone parsing: any change to it makes the send fail.
 */
export type Recipient =
  | {
      kind: 'phone';
      /** What the caller typed, byte for byte. */
      input: string;
      /** `+` and the E.164 digits: what goes into `to`. */
      e164: string;
      /** ISO region of the number, e.g. `IL`; null for non-geographic numbers. */
      country: string | null;
      /** libphonenumber's type: MOBILE, FIXED_LINE, FIXED_LINE_OR_MOBILE…; null when unknown. */
      type: string | null;
    }
  | { kind: 'bsuid'; input: string; userId: string };

export type RecipientOutcome = { ok: true; recipient: Recipient } | { ok: false; reason: string };

const BSUID = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;
const MAX_INPUT = 64;

export function isBsuid(text: string): boolean {
  return BSUID.test(text);
}

/** A BSUID, verbatim; refused only when it does not have the BSUID shape at all. */
export function bsuidRecipient(text: string): RecipientOutcome {
  if (!isBsuid(text)) {
    return {
      ok: false,
      reason: `"${clip(text)}" is not a BSUID: those read CC. followed by letters and digits (e.g. US.13491208655302741918)`,
    };
  }
  return { ok: true, recipient: { kind: 'bsuid', input: text, userId: text } };
}

/**
 * A phone number typed by a person or a CRM → E.164. `region` (ISO 3166 alpha-2) says which
 * country a national number (no `+`, no international prefix) belongs to. Digits that already
 * start with a country code (`972504370045`) are accepted when they form a valid number that way.
 */
export function phoneRecipient(text: string, region?: string): RecipientOutcome {
  const input = text;
  if (input.length === 0 || input.length > MAX_INPUT) {
    return { ok: false, reason: `a phone number has 1 to ${MAX_INPUT} characters` };
  }
  if (isBsuid(input.trim())) {
    return { ok: false, reason: 'this is a BSUID, not a phone number: send it as "recipient"' };
  }
  if (/[^0-9+\-() .\u00a0]/.test(input)) {
    return {
      ok: false,
      reason: `"${clip(input)}" holds characters other than digits, +, -, (, ), dots and spaces`,
    };
  }
  const country = regionOf(region);
  if (region !== undefined && country === undefined) {
    return { ok: false, reason: `region "${clip(region)}" is not an ISO 3166 country code such as IL or DE` };
  }
  const candidates = candidatesFor(input.trim(), country);
  for (const candidate of candidates) {
    const parsed = parsePhoneNumberFromString(candidate.text, candidate.country);
    if (parsed?.isValid()) {
      return {
        ok: true,
        recipient: {
          kind: 'phone',
          input,
          e164: parsed.number,
          country: parsed.country ?? null,
          type: parsed.getType() ?? null,
        },
      };
    }
  }
  const hint =
    country === undefined && !input.trim().startsWith('+')
      ? ': a national number needs a region (the "region" field or WAHOOK_DEFAULT_REGION), or write it with + and the country code'
      : '';
  return { ok: false, reason: `"${clip(input)}" is not a valid phone number${hint}` };
}

/**
 * The forms to try, most explicit first: as typed (with the region for a national number), then
 * bare digits read as international (`972504370045`), which is how wa_ids and many CRMs write them.
 */
function candidatesFor(
  text: string,
  country: CountryCode | undefined,
): { text: string; country?: CountryCode }[] {
  if (text.startsWith('+')) return [{ text }];
  const candidates: { text: string; country?: CountryCode }[] = [];
  if (text.startsWith('00')) candidates.push({ text: `+${text.replace(/\D/g, '').slice(2)}` });
  if (country !== undefined) candidates.push({ text, country });
  candidates.push({ text: `+${text.replace(/\D/g, '')}` });
  return candidates;
}

function regionOf(region: string | undefined): CountryCode | undefined {
  if (region === undefined) return undefined;
  const upper = region.trim().toUpperCase();
  return isSupportedCountry(upper) ? upper : undefined;
}

/**
 * The `wa_id` forms WhatsApp may use for the same subscriber (§7): Brazil's mobiles with and
 * without the added 9, Mexico's 52 and old 521, Argentina's 549 and 54. Only for looking people up;
 * the Argentine 54 form can be someone else's landline, so it is never merged on.
 */
export function waIdVariants(e164: string): string[] {
  const digits = e164.replace(/\D/g, '');
  const variants = new Set<string>(sameSubscriberWaIds(digits));
  const ar = /^549(\d{10})$/.exec(digits);
  if (ar) variants.add(`54${ar[1]}`);
  const arShort = /^54([1-8]\d{9})$/.exec(digits);
  if (arShort) variants.add(`549${arShort[1]}`);
  return [...variants];
}

/**
 * The spellings of one subscriber's number that are safe to treat as the same person (§7): the
 * digits, Brazil's mobiles (8-digit subscriber starting 6-9) with and without the added 9, and
 * Mexico's 52 and old 521. Argentina's 54 form is left out: it can be someone else's landline.
 */
export function sameSubscriberWaIds(number: string): string[] {
  const digits = number.replace(/\D/g, '');
  const variants = new Set<string>([digits]);
  const br = /^55(\d{2})9([6-9]\d{7})$/.exec(digits);
  if (br) variants.add(`55${br[1]}${br[2]}`);
  const brShort = /^55(\d{2})([6-9]\d{7})$/.exec(digits);
  if (brShort) variants.add(`55${brShort[1]}9${brShort[2]}`);
  const mx = /^52(\d{10})$/.exec(digits);
  if (mx) variants.add(`521${mx[1]}`);
  const mxOld = /^521(\d{10})$/.exec(digits);
  if (mxOld) variants.add(`52${mxOld[1]}`);
  return [...variants];
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
