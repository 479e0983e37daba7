import { defineCatalogEntries } from './error-catalog-entry.js';

/**
 * Codes of the legacy On-Premises API (shut down in October 2025). They still appear in archived
 * payloads and in migrations, so a stored message can carry them. They are webhook codes: the
 * numbers look like HTTP statuses but are not, so `httpStatus` is null. Where Meta's list gives
 * only a range, the range is one entry; the codes the reference names have their own entry, which
 * wins over the range on lookup.
 */
export const ON_PREMISES_ERRORS = defineCatalogEntries('on-premises', [
  {
    code: 400,
    title: 'Media download error',
    meaning: 'The media the user sent could not be downloaded.',
    http: null,
    retry: 'N',
    remedy: 'Ask the user to send the file again',
  },
  {
    code: 402,
    title: 'Business eligibility payment issue',
    meaning: 'The message failed because of a problem with the payment method or account billing setup.',
    http: null,
    retry: 'C',
    remedy: 'Fix the payment setup in WhatsApp Manager',
  },
  {
    code: 408,
    title: 'Message is not valid',
    meaning:
      'The message waited too long (more than a day) to be sent, typically because the client was down.',
    http: null,
    retry: 'R',
    retryLabel: 'sending the message again usually works',
    remedy: 'Check that the client stays up',
  },
  {
    code: 410,
    title: 'Message expired',
    meaning: 'The message could not be sent within its time to live.',
    http: null,
    retry: 'N',
    remedy: 'Send a new message if it is still relevant',
  },
  {
    code: 429,
    title: 'Rate limit hit',
    meaning: 'Too many messages were sent from this number in a short time.',
    http: null,
    retry: 'W',
    remedy: 'Send more slowly',
  },
  {
    code: [430, 433],
    title: 'Certificate error',
    meaning: "The business client's certificate is unsigned, has the wrong ID, or has an invalid signature.",
    http: null,
    retry: 'C',
    remedy: 'Download a new certificate from WhatsApp Manager and register again',
  },
  {
    code: 470,
    title: 'Re-engagement message',
    meaning:
      'More than 24 hours have passed since the user last wrote, so free-form messages are not allowed.',
    http: null,
    retry: 'N',
    remedy: 'Send an approved message template instead',
  },
  {
    code: 471,
    title: 'Spam rate limit hit',
    meaning:
      'Sending is restricted because too many earlier messages from this number were blocked or flagged as spam.',
    http: null,
    retry: 'W/C',
    remedy: "Check the number's quality rating in WhatsApp Manager and improve what is sent",
  },
  {
    code: 472,
    title: "User's number is part of an experiment",
    meaning: 'The user is in an experiment group, so the message was not sent.',
    http: null,
    retry: 'N',
    remedy: 'Reach the user another way',
  },
  {
    code: 480,
    title: 'User potentially changed',
    meaning: "The user's identity may have changed (for example a new phone), so the message was not sent.",
    http: null,
    retry: 'N',
    remedy: "Confirm the user's identity before sending again",
  },
  {
    code: 500,
    title: 'Generic error',
    meaning: 'The message failed because of an unknown error in the client or at Meta.',
    http: null,
    retry: 'R',
    remedy: "Contact Meta's support if it persists",
  },
  {
    code: 501,
    title: 'Unsupported message type',
    meaning: 'The client does not support this message type.',
    http: null,
    retry: 'N',
    remedy: 'Use a supported message type',
  },
  {
    code: [1000, 1031],
    title: 'Request or recipient error',
    meaning: 'The On-Premises client rejected the request or the recipient; the title and details say which.',
    http: null,
    retry: 'N',
    remedy: 'Read the title and details Meta sent and fix the request',
  },
  {
    code: 1013,
    title: 'User is not valid',
    meaning: 'The recipient is not a valid WhatsApp user.',
    http: null,
    retry: 'N',
    remedy: 'Verify the number is on WhatsApp',
  },
  {
    code: 1026,
    title: 'Receiver incapable',
    meaning: "The recipient's app cannot receive this kind of message.",
    http: null,
    retry: 'N',
    remedy: 'Send a simpler message type, or ask the user to update WhatsApp',
  },
  {
    code: [2000, 2069],
    title: 'Template or catalog error',
    meaning: 'A message template or a catalog item in the message could not be used.',
    http: null,
    retry: 'N/C',
    remedy: "Check the template's name, language and parameters, or the catalog items",
  },
  {
    code: 2026,
    title: 'Missing products',
    meaning:
      'Catalog items in the message could not be sent because the products are missing (often reported with a warning status).',
    http: null,
    retry: 'N/C',
    remedy: 'Check that the products exist in the catalog linked to the number',
  },
]);
