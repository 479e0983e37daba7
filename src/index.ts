/**
 * The package's main entry, for business systems written in TypeScript that consume wahook's
 * events: the event envelope and the `data` of every event type (docs/events.md), and the message
 * record of GET /v1/messages/{wamid}. Importing it runs nothing: types and constants only.
 */
export {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  type EventData,
  type FieldEventData,
  fieldEventType,
  type MessageReceivedData,
  type MessageStatusData,
  type WahookEvent,
  type WhatsAppErrorData,
} from './events/types.js';
export type {
  HistoryEntry,
  MessageDirection,
  MessageError,
  MessageRecord,
  MessageTimestamps,
  RecordCounterpart,
} from './process/message-record.js';
export type {
  ContactCard,
  InteractiveReply,
  MediaRef,
  MessageContent,
  OrderItem,
} from './process/parse/content-types.js';
export type { MessageContext, Referral } from './process/parse/types.js';
export type { Conversation, Counterpart, Pricing, WhatsAppError } from './whatsapp/types.js';
