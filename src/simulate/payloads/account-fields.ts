import type { Random } from '../random.js';
import type { JsonObject } from './json.js';
import { type BusinessNumber, contactOf, metadataOf, type SimUser } from './people.js';

/**
 * Webhook fields other than `messages` (§6). Account-level fields carry `entry[].time` as an
 * integer and no `messaging_product`/`metadata`; `user_preferences` is the exception that does.
 */
const TEMPLATE_OUTCOMES = [
  { event: 'APPROVED', reason: 'NONE' },
  {
    event: 'REJECTED',
    reason: 'INVALID_FORMAT',
    rejection_info: {
      reason: 'Two variables are adjacent without text between them.',
      recommendation: 'Put words or punctuation between variables.',
    },
  },
  {
    event: 'PAUSED',
    reason: 'NONE',
    other_info: {
      title: 'FIRST_PAUSE',
      description: 'Your template has been paused for 3 hours due to low quality.',
    },
  },
] as const;

export function templateStatusUpdate(random: Random, number: BusinessNumber, time: number): JsonObject {
  const { event, reason, ...details } = random.pick(TEMPLATE_OUTCOMES);
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId,
        time,
        changes: [
          {
            field: 'message_template_status_update',
            value: {
              event,
              // An integer here, unlike most ids; 16 digits starting with 1 stay below 2^53.
              message_template_id: Number(`1${random.digits(15)}`),
              message_template_name: 'appointment_reminder',
              message_template_language: 'de',
              reason,
              message_template_category: 'UTILITY',
              ...details,
            },
          },
        ],
      },
    ],
  };
}

export function userPreferencesUpdate(
  random: Random,
  number: BusinessNumber,
  user: SimUser,
  timestamp: number,
): JsonObject {
  const stop = random.chance(0.7);
  const preference: JsonObject = {
    ...(user.waId === null ? {} : { wa_id: user.waId }),
    user_id: user.userId,
    detail: stop
      ? 'User requested to stop marketing messages'
      : 'User requested to resume marketing messages',
    category: 'marketing_messages',
    value: stop ? 'stop' : 'resume',
    timestamp,
  };
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: number.wabaId,
        changes: [
          {
            field: 'user_preferences',
            value: {
              messaging_product: 'whatsapp',
              metadata: metadataOf(number),
              contacts: [contactOf(user)],
              user_preferences: [preference],
            },
          },
        ],
      },
    ],
  };
}
