/**
 * The package's main entry, for business systems written in TypeScript that consume wahook's
 * events: the event envelope and the `data` of every event type (docs/events.md), and the message
 * record of GET /v1/messages/{wamid}. Importing it runs nothing: types and constants only.
 */

export type {
  ContactCard,
  InteractiveReply,
  MediaRef,
  MessageContent,
  MessageContext,
  OrderItem,
  Referral,
} from './events/content-types.js';
export type {
  HistoryEntry,
  MessageDirection,
  MessageError,
  MessageRecord,
  MessageTimestamps,
  RecordCounterpart,
} from './events/record-types.js';
export type { Conversation, Counterpart, Pricing, WhatsAppError } from './events/types.js';
export {
  type AccountAlertData,
  type AccountCapabilityData,
  type AccountReviewData,
  type AccountUpdateData,
  type BusinessUsernameData,
  type CallData,
  type CallStatusData,
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  type EventData,
  type EventDataByType,
  type EventEnvelope,
  type EventOf,
  type FieldEvent,
  type FieldEventData,
  type FlowUpdateData,
  fieldEventType,
  type GroupUpdateData,
  type HistoryChunkData,
  type KnownEventType,
  type MessageConflictData,
  type MessageEchoData,
  type MessageReceivedData,
  type MessageStatusData,
  type PhoneNumberNameData,
  type PhoneNumberQualityData,
  type PhoneNumberSecurityData,
  type TemplateCategoryData,
  type TemplateComponentsData,
  type TemplateQualityData,
  type TemplateStatusData,
  UPDATE_TYPES,
  type UpdateEventBase,
  type UpdateEventDataByType,
  type UpdateType,
  type UserIdChangedData,
  type UserPreferenceData,
  type WahookEvent,
  type WhatsAppErrorData,
  type WithContacts,
} from './events/types.js';
