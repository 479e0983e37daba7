import { defineCatalogEntries } from './error-catalog-entry.js';

/**
 * Phone-number registration and account codes (133xxx, 134011). They come from registration
 * calls rather than message webhooks, but a support person may still be handed one. Facts from
 * Meta's error-code documentation; HTTP statuses are the typical ones of the older table.
 */
export const REGISTRATION_ERRORS = defineCatalogEntries('cloud', [
  {
    code: 133000,
    title: 'Incomplete deregistration',
    meaning: 'A previous deregistration of the phone number did not complete.',
    http: 500,
    retry: 'C',
    remedy: 'Deregister the number again before registering it',
  },
  {
    code: [133001, 133003],
    title: 'Registration decryption error',
    meaning: 'Registration failed on decryption, the backup blob, or the recovery token.',
    http: null,
    retry: 'C',
    remedy: 'Register the number again with correct registration data',
  },
  {
    code: 133004,
    title: 'Server temporarily unavailable',
    meaning: 'The registration server is temporarily unavailable.',
    http: 503,
    retry: 'R',
    remedy: 'Try the registration again later with backoff',
  },
  {
    code: 133005,
    title: 'Two-step verification PIN mismatch',
    meaning: 'The two-step verification PIN is wrong.',
    http: 400,
    retry: 'C',
    remedy: 'Use the correct PIN, or reset it in WhatsApp Manager',
  },
  {
    code: 133006,
    title: 'Phone number re-verification needed',
    meaning: 'The phone number must be verified again before it can be registered.',
    http: 400,
    retry: 'C',
    remedy: 'Verify the phone number again',
  },
  {
    code: 133007,
    title: 'Account blocked',
    meaning: 'The account is blocked from registering.',
    http: null,
    retry: 'C',
    remedy: "Check the account's status in WhatsApp Manager",
  },
  {
    code: 133008,
    title: 'Too many two-step verification PIN guesses',
    meaning: 'Too many wrong PINs were tried for this number.',
    http: 400,
    retry: 'W',
    remedy: 'Wait the time the error details give before trying again',
  },
  {
    code: 133009,
    title: 'Two-step verification PIN guessed too fast',
    meaning: 'PINs were entered too quickly one after another.',
    http: 400,
    retry: 'W',
    remedy: 'Wait before entering the PIN again',
  },
  {
    code: 133010,
    title: 'Phone number not registered',
    meaning: 'The phone number is not registered on the WhatsApp Business Platform.',
    http: 400,
    retry: 'C',
    remedy: 'Register the phone number',
  },
  {
    code: 133015,
    title: 'Please wait a few minutes before attempting to register this phone number',
    meaning: 'The phone number was deleted recently.',
    http: 400,
    retry: 'W',
    retryLabel: 'retrying helps after 5 minutes',
    remedy: 'Wait 5 minutes before registering it again',
  },
  {
    code: 133016,
    title: 'Account register/deregister rate limit exceeded',
    meaning: 'Too many registration attempts for this number (reported: 10 in 72 hours).',
    http: 400,
    retry: 'W',
    remedy: 'Wait before registering or deregistering this number again',
  },
  {
    code: 134011,
    title: 'WhatsApp Payments terms of service not accepted',
    meaning: 'The business has not accepted the WhatsApp Payments terms of service.',
    http: null,
    retry: 'C',
    remedy: 'Accept the WhatsApp Payments terms of service',
  },
]);
