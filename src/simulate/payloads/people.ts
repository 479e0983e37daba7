import type { Random } from '../random.js';
import { compact, type JsonObject } from './json.js';

/** A business phone number and the WhatsApp Business Account it belongs to. */
export interface BusinessNumber {
  readonly wabaId: string;
  readonly phoneNumberId: string;
  readonly displayPhoneNumber: string;
}

/** Two accounts, so batched POSTs can carry several entries as Meta's do. */
export const BUSINESS_NUMBERS: readonly BusinessNumber[] = [
  { wabaId: '301234567890123', phoneNumberId: '112233445566778', displayPhoneNumber: '4930123456789' },
  { wabaId: '309876543210987', phoneNumberId: '198765432109876', displayPhoneNumber: '33170123456' },
];

/**
 * A WhatsApp user as webhooks show them. Since the 2026 BSUID rollout every user has a `userId`;
 * `waId` is null when the phone number is not available to the business (then the user has a
 * username, and webhooks omit `wa_id`, `from` and `recipient_id`).
 */
export interface SimUser {
  readonly name: string;
  readonly waId: string | null;
  readonly userId: string;
  readonly username: string | null;
}

/** Names with accents, other scripts and emoji, so Meta's \u escaping is exercised on every run. */
const NAMES = [
  'Lena Vogel',
  'René Müller',
  'Zoë Ñúñez',
  'Łukasz Wróbel',
  'Ayşe Yılmaz',
  'José Álvarez',
  'Amélie Dubois',
  'Priya Sharma',
  '李雷',
  'Ólafur 🚲',
  'Jonas Weber',
  'Chloé',
] as const;

const COUNTRIES = [
  { code: 'DE', prefix: '4915', digits: 9 },
  { code: 'FR', prefix: '336', digits: 8 },
  { code: 'BR', prefix: '55119', digits: 8 },
  { code: 'IN', prefix: '919', digits: 9 },
  { code: 'ES', prefix: '346', digits: 8 },
  { code: 'US', prefix: '1415', digits: 7 },
] as const;

export function createUser(random: Random, options: { phoneAvailable: boolean }): SimUser {
  const country = random.pick(COUNTRIES);
  const name = random.pick(NAMES);
  const userId = `${country.code}.${random.int(1, 9)}${random.digits(random.int(16, 19))}`;
  if (options.phoneAvailable) {
    return { name, waId: `${country.prefix}${random.digits(country.digits)}`, userId, username: null };
  }
  const handle = name
    .toLowerCase()
    .normalize('NFD')
    .replace(/[^a-z]/g, '')
    .slice(0, 12);
  return { name, waId: null, userId, username: `@${handle || 'user'}${random.digits(3)}` };
}

/** What identifies the user in ids and keys: the phone number when known, else the BSUID. */
export function addressOf(user: SimUser): string {
  return user.waId ?? user.userId;
}

export function metadataOf(number: BusinessNumber): JsonObject {
  return { display_phone_number: number.displayPhoneNumber, phone_number_id: number.phoneNumberId };
}

/** `value.contacts[]` entry; `withUsername` is false on `sent` statuses, which carry no username. */
export function contactOf(
  user: SimUser,
  options: { withUsername: boolean } = { withUsername: true },
): JsonObject {
  const profile = compact({
    name: user.name,
    username: options.withUsername && user.username !== null ? user.username : undefined,
  });
  return compact({ profile, wa_id: user.waId ?? undefined, user_id: user.userId });
}
