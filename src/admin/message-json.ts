/**
 * A message as the admin API shows it, one implementation for the routes, the stuck list and
 * `wahook status`.
 */

import type { MessageDirection } from '../events/record-types.js';
import { completeRecord } from '../process/message-record.js';
import { fromStoredRecord } from '../process/stored-record.js';
import type { StoredMessage } from '../store/ports.js';
import type { MessageContext } from '../store/send-ports.js';

/**
 * The message JSON with what wahook knows beyond its statuses: the business metadata and the send
 * behind it. A message sent through wahook whose first status has not arrived yet is shown from
 * its send (status `accepted`, empty history).
 */
export function messageWithContext(
  wamid: string,
  message: StoredMessage | undefined,
  context: MessageContext | undefined,
) {
  const send = context?.send ?? null;
  if (!message && !send) return undefined;
  const base = message
    ? messageJson(message)
    : {
        ...completeRecord({
          id: wamid,
          direction: 'outbound',
          status: 'accepted',
          phoneNumberId: send?.phoneNumberId ?? null,
          history: [],
        }),
        first_seen_at: new Date(send?.createdAt ?? 0).toISOString(),
        updated_at: new Date(send?.updatedAt ?? 0).toISOString(),
      };
  return {
    ...base,
    metadata: context?.metadata ?? null,
    send: send
      ? {
          id: send.id,
          input: send.input,
          to: send.recipient,
          wa_id: send.waId,
          user_id: send.userId,
          idempotency_key: send.idempotencyKey,
          created_at: new Date(send.createdAt).toISOString(),
        }
      : null,
  };
}

/**
 * A message as the API shows it. A stored record this version cannot read (another format, a hand
 * edit) is shown with the columns stored beside it and `record_error` saying why, so one such row
 * neither hides the others in a list nor hides what is known of it. Its derived fields are those of
 * an empty history, so the answer keeps every field the contract promises.
 */
export function messageJson(message: StoredMessage) {
  const arrival = {
    first_seen_at: new Date(message.firstSeenAt).toISOString(),
    updated_at: new Date(message.updatedAt).toISOString(),
  };
  try {
    return { ...fromStoredRecord(message.id, message.record), ...arrival };
  } catch (err) {
    const columns = {
      id: message.id,
      direction: message.direction as MessageDirection,
      status: message.status,
      phoneNumberId: message.phoneNumberId,
      history: [],
    };
    return { ...completeRecord(columns), record_error: (err as Error).message, ...arrival };
  }
}
