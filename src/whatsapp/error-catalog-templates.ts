import { defineCatalogEntries } from './error-catalog-entry.js';

/**
 * Template, Flow and parameter codes (132xxx, 134100–134102, 135000). Facts from Meta's error-code
 * documentation; HTTP statuses are the typical ones of the older table and only a hint.
 */
export const TEMPLATE_ERRORS = defineCatalogEntries('cloud', [
  {
    code: 132000,
    title: 'Template parameter count mismatch',
    meaning: 'The number of parameters sent does not match the number the template expects.',
    http: 400,
    retry: 'N',
    remedy: "Send exactly the template's parameters",
  },
  {
    code: 132001,
    title: 'Template does not exist',
    meaning: 'The template does not exist in that language, or it is not approved.',
    http: 404,
    retry: 'N/C',
    remedy: "Check the template's name, language and approval status",
  },
  {
    code: 132005,
    title: 'Template hydrated text too long',
    meaning: 'The template text with its parameters filled in is too long.',
    http: 400,
    retry: 'N',
    remedy: 'Shorten the parameter values',
  },
  {
    code: 132007,
    title: 'Template format character policy violated',
    meaning: 'The template content violates a policy on format characters.',
    http: 400,
    retry: 'N',
    remedy: 'Edit the template content',
  },
  {
    code: 132008,
    title: 'Template parameter value invalid',
    meaning: 'A template parameter value is invalid.',
    http: 400,
    retry: 'N',
    remedy: 'Fix the parameter value the error details name',
  },
  {
    code: 132012,
    title: 'Template parameter format mismatch',
    meaning: "A parameter's format does not match what the template expects.",
    http: 400,
    retry: 'N',
    remedy: 'Send the parameter in the expected format',
  },
  {
    code: 132015,
    title: 'Template is paused',
    meaning: 'The template is paused for low quality; messages held by pacing are dropped with this code.',
    http: 400,
    retry: 'W',
    retryLabel: 'retrying helps only after the template is edited or reinstated',
    remedy: 'Edit the template or wait until it is reinstated',
  },
  {
    code: 132016,
    title: 'Template is disabled',
    meaning: 'The template was paused too often and is disabled permanently.',
    http: 400,
    retry: 'N',
    remedy: 'Create a new template',
  },
  {
    code: 132018,
    title: 'Template parameter validation error',
    meaning: 'The template parameters failed validation (Graph API v23.0 and later).',
    http: 400,
    retry: 'N',
    remedy: 'Fix the parameters as the error details say',
  },
  {
    code: 132068,
    title: 'Flow is in blocked state',
    meaning: 'The Flow in the message is blocked.',
    http: 400,
    retry: 'C',
    remedy: 'Fix the Flow',
  },
  {
    code: 132069,
    title: 'Flow is in throttled state',
    meaning: 'The Flow is throttled: 10 messages with it were already sent in the last hour.',
    http: 400,
    retry: 'W',
    remedy: 'Fix the Flow or wait for the hour to pass',
  },
  {
    code: [134100, 134102],
    title: 'Marketing Messages API template error',
    meaning:
      'The Marketing Messages API only sends marketing templates (134100), the template is still syncing for up to 10 minutes (134101), or it is unavailable (134102).',
    http: 400,
    retry: 'W/C',
    remedy: 'Wait for the template sync, or use a marketing template that is available',
  },
  {
    code: 135000,
    title: 'Generic user error',
    meaning: 'An unknown problem with the request parameters.',
    http: 400,
    retry: 'N',
    remedy: "Check the request's syntax, and contact Meta's support if it looks right",
  },
]);
