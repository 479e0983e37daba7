/**
 * Small normalized shapes shared by the parser, the status merge and the error catalog. Every field
 * a sender may omit is `null` here rather than absent, so consumers never have to tell "missing"
 * from "undefined".
 */

/** An error as WhatsApp reports it, at any level (status, message, value, legacy top level). */
export interface WhatsAppError {
  code: number;
  title: string | null;
  message: string | null;
  /** `error_data.details` (Cloud API) or `details` (On-Premises). */
  details: string | null;
  href: string | null;
}

export interface Pricing {
  billable: boolean | null;
  pricingModel: string | null;
  type: string | null;
  category: string | null;
}

export interface Conversation {
  id: string | null;
  expirationTimestamp: number | null;
  originType: string | null;
}

/** Who the business talks to: any of these may be missing (BSUID era, group sends, failed statuses). */
export interface Counterpart {
  waId: string | null;
  userId: string | null;
  parentUserId: string | null;
  name: string | null;
  username: string | null;
}

/**
 * Who a status went to: the user, or for a group send the group (`recipientId`) and the
 * participant the update is about.
 */
export interface Recipient extends Counterpart {
  recipientId: string | null;
  recipientType: string | null;
  participantId: string | null;
  participantUserId: string | null;
  participantParentUserId: string | null;
  participantName: string | null;
  participantUsername: string | null;
}

/** One status webhook item, normalized; the unit the status merge works on. */
export interface StatusUpdate {
  wamid: string;
  /** Lower-case status word as sent (`sent`, `delivered`, `read`, `failed`, `played`, or unknown words). */
  status: string;
  /** Sender timestamp, unix seconds. */
  timestamp: number;
  phoneNumberId: string | null;
  recipient: Recipient;
  bizOpaqueCallbackData: string | null;
  pricing: Pricing | null;
  conversation: Conversation | null;
  errors: WhatsAppError[];
}
