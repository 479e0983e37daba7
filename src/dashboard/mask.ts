import { maskPhone } from '../observe/logger.js';

/**
 * Privacy by default on pages: phone numbers as the logs mask them (`44770*****23`), message texts
 * replaced by their length. A viewer reveals one message's numbers with an explicit, logged click.
 */
export { maskPhone };

const PHONE_KEYS = [
  'wa_id',
  'from',
  'recipient_id',
  'to',
  'phone',
  'display_phone_number',
  'input',
  'participant_id',
];
const TEXT_KEYS = ['body', 'caption', 'text', 'title', 'description', 'name', 'formatted_name'];

/** A JSON text (a webhook body) with phone-like values masked and free texts replaced. */
export function maskPayload(json: string): string {
  const phones = new RegExp(`"(${PHONE_KEYS.join('|')})"(\\s*:\\s*)"(\\+?\\d{5,20})"`, 'g');
  const texts = new RegExp(`"(${TEXT_KEYS.join('|')})"(\\s*:\\s*)"((?:[^"\\\\]|\\\\.)*)"`, 'g');
  return json
    .replace(
      phones,
      (_all, key: string, colon: string, value: string) => `"${key}"${colon}"${maskPhone(value)}"`,
    )
    .replace(
      texts,
      (_all, key: string, colon: string, value: string) =>
        `"${key}"${colon}"[${value.length} characters hidden]"`,
    );
}

/** Pretty JSON when the text is JSON, else the text as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
