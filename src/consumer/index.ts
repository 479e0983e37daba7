/**
 * `wahook/consumer`: what a business system that receives wahook's events needs, and nothing of the
 * server. The event types (a union discriminated by `type`) and `verifyEvent` for pushed events;
 * no import of fastify, a database driver or any other dependency (a test walks the built file's
 * imports). docs/consuming-events.md shows it in use.
 */
// Every event type and constant, so an event kind added there is here without an edit.
export * from '../events/types.js';
export {
  EventVerificationError,
  type HeadersLike,
  type VerificationFailure,
  type VerifyOptions,
  verifyBatch,
  verifyEvent,
} from './verify.js';
