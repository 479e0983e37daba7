/** The WhatsApp payload parser: pure, total, and liberal in what it reads. */
export type {
  ContactCard,
  InteractiveReply,
  MediaRef,
  MessageContent,
  OrderItem,
} from '../../events/content-types.js';
export { MAX_NESTING_DEPTH } from './decode.js';
export { MAX_ITEMS_PER_PAYLOAD, parseEnvelope } from './envelope.js';
export { MISSING_ERROR_CODE } from './normalize.js';
export type {
  ItemOrigin,
  MessageContext,
  ParsedEcho,
  ParsedError,
  ParsedField,
  ParsedItem,
  ParsedMessage,
  ParsedStatus,
  ParsedUpdate,
  ParseOutcome,
  PayloadFormat,
  Referral,
} from './types.js';
