import { randomBytes } from 'node:crypto';
import { lookupErrorCode } from '../whatsapp/error-catalog.js';

/**
 * Errors the way the Graph API answers them (whatsapp-sending.md §4.2): `(#code) title` as the
 * message, `OAuthException`, the reason in `error_data.details`, a random `fbtrace_id`. The HTTP
 * status comes from the catalog's typical status for the code unless the caller names one; Meta
 * says not to build on it, so the fake lets tests pick any.
 */
export interface GraphError {
  readonly status: number;
  readonly body: {
    error: {
      message: string;
      type: string;
      code: number;
      error_subcode?: number;
      error_data: { messaging_product: 'whatsapp'; details: string };
      fbtrace_id: string;
    };
  };
}

/** The `statuses[].errors[]` item of an asynchronous failure. */
export interface StatusError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href: string;
}

const HREF = 'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes';

export function titleOf(code: number): string {
  return lookupErrorCode(code)?.title ?? 'Unknown error';
}

export function graphError(
  code: number,
  details: string,
  options: { status?: number; subcode?: number } = {},
): GraphError {
  const status = options.status ?? lookupErrorCode(code)?.httpStatus ?? 400;
  return {
    status,
    body: {
      error: {
        message: `(#${code}) ${titleOf(code)}`,
        type: 'OAuthException',
        code,
        ...(options.subcode === undefined ? {} : { error_subcode: options.subcode }),
        error_data: { messaging_product: 'whatsapp', details },
        fbtrace_id: randomBytes(16).toString('base64url').slice(0, 23),
      },
    },
  };
}

export function statusError(code: number, details: string): StatusError {
  const title = titleOf(code);
  return { code, title, message: title, error_data: { details }, href: HREF };
}

/** Default details per code, close to what Meta writes; any other code gets its title. */
const DETAILS: Record<number, string> = {
  131026: 'Message Undeliverable.',
  131047:
    'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  131049: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  131050: 'The user has stopped marketing messages from this business.',
  130429: 'Cloud API message throughput has been reached.',
  131056:
    'Too many messages sent from the sender phone number to the same phone number in a short period of time.',
  131057: 'Business account is in maintenance mode.',
  132000: 'The number of parameters does not match the expected number of params.',
  132001: 'The template does not exist in the specified language or has not been approved.',
  132015: 'The template has been paused due to low quality.',
  131000: 'Something went wrong.',
};

export function detailsOf(code: number): string {
  return DETAILS[code] ?? titleOf(code);
}
