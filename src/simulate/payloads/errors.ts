import type { JsonObject } from './json.js';

/**
 * Error objects as they appear in `statuses[].errors`, `messages[].errors` and `value.errors`:
 * `message` repeats `title`, the reason sits in `error_data.details`.
 */
const ERROR_CODES_HREF =
  'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes';

interface ErrorText {
  readonly title: string;
  readonly details: string;
}

const ERROR_TEXTS = {
  131026: { title: 'Message undeliverable', details: 'Message Undeliverable.' },
  131047: {
    title: 'Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
  },
  130429: { title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' },
  131051: { title: 'Message type unknown', details: 'Message type is currently not supported.' },
  131000: { title: 'Something went wrong', details: 'Unsupported webhook payload' },
} as const satisfies Record<number, ErrorText>;

export type SimulatedErrorCode = keyof typeof ERROR_TEXTS;

/** The codes a `failed` status carries in simulations: the common delivery failures. */
export const FAILED_STATUS_CODES = [131026, 131047, 131049, 130429] as const satisfies SimulatedErrorCode[];

export function errorObject(
  code: SimulatedErrorCode,
  options: { withHref: boolean } = { withHref: true },
): JsonObject {
  const text: ErrorText = ERROR_TEXTS[code];
  const error: JsonObject = {
    code,
    title: text.title,
    message: text.title,
    error_data: { details: text.details },
  };
  if (options.withHref) error.href = ERROR_CODES_HREF;
  return error;
}
