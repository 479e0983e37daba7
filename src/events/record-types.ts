/**
 * The message record as consumers see it (GET /v1/messages/{wamid}, the package's exported types).
 * How a record is derived from its history, merged and stored: src/process/message-record.ts.
 */
import type { Conversation, Pricing, Recipient, WhatsAppError } from '../whatsapp/types.js';

export type MessageDirection = 'outbound' | 'inbound';

/** Who the business talks to, with the recipient fields status webhooks add. */
export type RecordCounterpart = Recipient;

/** ISO-8601 from the sender's own timestamps: the first one seen per status, or null. */
export interface MessageTimestamps {
  sent: string | null;
  delivered: string | null;
  read: string | null;
  failed: string | null;
  played: string | null;
  /** Inbound messages only: when the user sent it. */
  received: string | null;
  /** Messages the business sent from the WhatsApp Business app: the echo's time. */
  echoed: string | null;
}

export interface MessageError {
  code: number;
  title: string | null;
  message: string | null;
  details: string | null;
  /** Meta's link to the error's documentation, when the error carried one. */
  href: string | null;
  /** From the error catalog: meaning, what to do, whether retrying helps. */
  explanation: string;
}

/** One distinct update. Optional fields are present only when the update carried them. */
export interface HistoryEntry {
  status: string;
  /** Sender timestamp, ISO-8601. */
  timestamp: string;
  errors?: WhatsAppError[];
  pricing?: Pricing;
  conversation?: Conversation;
  counterpart?: RecordCounterpart;
  bizOpaqueCallbackData?: string;
  phoneNumberId?: string;
  /** Inbound and echoed messages: the message type (`text`, `image`, …). */
  messageType?: string;
  /**
   * Inbound and echoed messages: a digest of what the message said (its type and content), so a
   * second body under the same wamid that says something else is noticed (status-merge.ts).
   */
  contentDigest?: string;
  /** Digests of other bodies seen under the same wamid and sender time, sorted. */
  conflictingDigests?: string[];
}

export interface MessageRecord {
  /** The wamid. */
  id: string;
  direction: MessageDirection;
  phoneNumberId: string | null;
  counterpart: RecordCounterpart;
  /** Current status, decided by src/whatsapp/status-rank.ts. */
  status: string;
  messageType: string | null;
  timestamps: MessageTimestamps;
  /** Every distinct error (by code and details) in history order. */
  errors: MessageError[];
  /** The first pricing in history order (WhatsApp sends it with `sent` and one later status). */
  pricing: Pricing | null;
  conversation: Conversation | null;
  bizOpaqueCallbackData: string | null;
  /** Sorted by sender timestamp, then status rank, then status word. */
  history: HistoryEntry[];
}
