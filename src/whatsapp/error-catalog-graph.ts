import { defineCatalogEntries } from './error-catalog-entry.js';

/**
 * Graph API level codes (authentication, permissions, request shape, app rate limits) and the
 * template-management codes. Facts from Meta's error-code documentation; HTTP statuses are the
 * typical ones of the older table and only a hint.
 */
export const GRAPH_ERRORS = defineCatalogEntries('cloud', [
  {
    code: 0,
    title: 'AuthException',
    meaning: 'Meta could not authenticate the app user: the access token expired or was invalidated.',
    http: 401,
    retry: 'C',
    remedy: 'Generate a new access token and configure the sender with it',
  },
  {
    code: 1,
    title: 'API Unknown',
    meaning: 'The request was invalid, or Meta had a server error.',
    http: 400,
    retry: 'R/C',
    remedy: "Check the WhatsApp Business Platform status page, then check the request's shape",
  },
  {
    code: 2,
    title: 'API Service',
    meaning: 'The API is temporarily unavailable because of downtime or overload.',
    http: 503,
    retry: 'R',
    remedy: 'Check the status page and send again with backoff',
  },
  {
    code: 3,
    title: 'API Method',
    meaning: 'The app lacks the capability or permission for this call.',
    http: 500,
    retry: 'C',
    remedy: "Check the token's permissions in Meta's access-token debugger",
  },
  {
    code: 4,
    title: 'Too many API calls',
    meaning: 'The app hit its API call rate limit.',
    http: 400,
    retry: 'W',
    remedy: 'Slow down the calls from this app',
  },
  {
    code: 10,
    title: 'Permission denied',
    meaning:
      'The app does not have the permission, or the number is not eligible (for Flows: not allow-listed).',
    http: 403,
    retry: 'C',
    remedy: 'Grant the missing permission to the app, or use an allow-listed number',
  },
  {
    code: 33,
    title: 'Parameter value is not valid',
    meaning: 'The business phone number was deleted, or the phone number ID is wrong.',
    http: 400,
    retry: 'C',
    remedy: 'Check the phone_number_id the sender uses',
  },
  {
    code: 100,
    title: 'Invalid parameter',
    meaning: 'The request contains an unsupported or misspelled parameter, or a value of the wrong length.',
    http: 400,
    retry: 'N',
    remedy: 'Fix the request as the error details say',
  },
  {
    code: 190,
    title: 'Access token has expired',
    meaning: 'The access token used for the call has expired.',
    http: 401,
    retry: 'C',
    remedy: 'Generate a new access token and configure the sender with it',
  },
  {
    code: [200, 299],
    title: 'API permission missing',
    meaning: 'The token lacks a required permission (200 can also mean no token was sent at all).',
    http: 403,
    retry: 'C',
    remedy: 'Grant the permission the details name to the app and token',
  },
  {
    code: 368,
    title: 'Temporarily blocked for policy violations',
    meaning: 'The WhatsApp Business Account is temporarily restricted for violating a platform policy.',
    http: 403,
    retry: 'C',
    remedy: "Read the account's Policy Enforcement notice in WhatsApp Manager and resolve it",
  },
  {
    code: 80007,
    title: 'Rate limit issues',
    meaning: 'The WhatsApp Business Account reached its API call rate limit.',
    http: 400,
    retry: 'W',
    remedy: 'Slow down the management calls for this account',
  },
  {
    code: [2388000, 2388999],
    title: 'Template creation error',
    meaning: 'Creating or changing a message template failed.',
    http: null,
    retry: 'C',
    remedy: 'Fix the template as the error details say, then submit it again',
  },
  {
    code: 2494100,
    title: 'Template migration in maintenance',
    meaning: 'Template migration is in maintenance mode.',
    http: null,
    retry: 'C',
    remedy: 'Try the migration again after the maintenance ends',
  },
]);
