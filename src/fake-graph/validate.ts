/**
 * Validation of a send body as the Cloud API does it (whatsapp-sending.md §2–§3, §9.2): `131008`
 * for a missing required part (`to`/`recipient`, the object named by `type`), `100` for an unknown
 * field, an unknown type or a value over its limit, and the template registry's `132001`/`132000`/
 * `132012`. The answer is a value: either the parts the fake needs to go on, or the error to send.
 */
import { isBsuid } from '../whatsapp/recipient.js';
import { checkTemplate, type TemplateRegistry } from './templates.js';

export type SendCheck =
  | {
      ok: true;
      type: string;
      /** `to` as sent, or the BSUID of `recipient` when there is no `to`. */
      input: string;
      recipientKind: 'phone' | 'bsuid' | 'group';
      isTemplate: boolean;
      bizOpaqueCallbackData: string | null;
    }
  | { ok: false; code: number; details: string };

const TYPES = new Set([
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
  'reaction',
]);
const ENVELOPE_FIELDS = new Set([
  'messaging_product',
  'recipient_type',
  'to',
  'recipient',
  'type',
  'context',
  'biz_opaque_callback_data',
  'recipient_identity_key_hash',
  'category',
  'ttl_seconds',
  ...TYPES,
]);
const MEDIA = new Set(['image', 'video', 'audio', 'document', 'sticker']);
const MAX_OPAQUE_BYTES = 512;

const fail = (code: number, details: string): SendCheck => ({ ok: false, code, details });

export function checkSend(body: unknown, templates: TemplateRegistry): SendCheck {
  if (!isObject(body)) return fail(100, 'The request body must be a JSON object.');
  if (body.messaging_product !== 'whatsapp')
    return fail(100, 'The parameter messaging_product is required and must be "whatsapp".');
  for (const key of Object.keys(body)) {
    if (!ENVELOPE_FIELDS.has(key)) return fail(100, `Param ${key} is not a valid parameter.`);
  }
  const to = body.to;
  const recipient = body.recipient;
  if (to !== undefined && typeof to !== 'string') return fail(100, 'Param to must be a string.');
  if (recipient !== undefined && typeof recipient !== 'string')
    return fail(100, 'Param recipient must be a string.');
  if ((to === undefined || to === '') && (recipient === undefined || recipient === ''))
    return fail(131008, 'The parameter to or recipient is required.');
  if (to === undefined && typeof recipient === 'string' && !isBsuid(recipient))
    return fail(100, 'Param recipient must be a valid business-scoped user ID.');
  const type = body.type === undefined ? 'text' : body.type;
  if (typeof type !== 'string' || !TYPES.has(type))
    return fail(100, `Param type "${String(type)}" is not valid.`);
  const content = body[type];
  if (!isObject(content)) return fail(131008, `The parameter ${type} is required.`);
  const opaque = body.biz_opaque_callback_data;
  if (opaque !== undefined) {
    if (typeof opaque !== 'string') return fail(100, 'Param biz_opaque_callback_data must be a string.');
    if (Buffer.byteLength(opaque) > MAX_OPAQUE_BYTES)
      return fail(100, `Param biz_opaque_callback_data must be at most ${MAX_OPAQUE_BYTES} bytes.`);
  }
  if (type === 'reaction' && body.context !== undefined)
    return fail(100, 'A reaction cannot be a contextual reply.');
  const contentProblem =
    type === 'template' ? checkTemplate(content, templates) : checkContent(type, content);
  if (contentProblem) return contentProblem;
  const group = body.recipient_type === 'group';
  return {
    ok: true,
    type,
    input: typeof to === 'string' && to !== '' ? to : String(recipient),
    recipientKind: group ? 'group' : typeof to === 'string' && to !== '' ? 'phone' : 'bsuid',
    isTemplate: type === 'template',
    bizOpaqueCallbackData: typeof opaque === 'string' ? opaque : null,
  };
}

function checkContent(type: string, content: Record<string, unknown>): SendCheck | undefined {
  if (type === 'text') {
    if (typeof content.body !== 'string' || content.body === '')
      return fail(131008, 'The parameter text.body is required.');
    if (content.body.length > 4096) return fail(100, 'Param text.body must be at most 4096 characters.');
    return undefined;
  }
  if (MEDIA.has(type)) {
    const hasId = typeof content.id === 'string';
    const hasLink = typeof content.link === 'string';
    if (hasId === hasLink) return fail(100, `Param ${type} needs exactly one of id and link.`);
    if (typeof content.caption === 'string' && content.caption.length > 1024)
      return fail(100, `Param ${type}.caption must be at most 1024 characters.`);
    return undefined;
  }
  if (type === 'location') {
    if (typeof content.latitude !== 'number' || typeof content.longitude !== 'number')
      return fail(131008, 'The parameters location.latitude and location.longitude are required.');
    return undefined;
  }
  if (type === 'reaction') {
    if (typeof content.message_id !== 'string' || typeof content.emoji !== 'string')
      return fail(131008, 'The parameters reaction.message_id and reaction.emoji are required.');
    return undefined;
  }
  if (type === 'interactive') return checkInteractive(content);
  return undefined;
}

function checkInteractive(content: Record<string, unknown>): SendCheck | undefined {
  const body = content.body;
  if (content.type !== 'location_request_message' && content.type !== undefined) {
    if (!isObject(body) || typeof body.text !== 'string')
      return fail(131008, 'The parameter interactive.body.text is required.');
    if (body.text.length > 1024)
      return fail(100, 'Param interactive.body.text must be at most 1024 characters.');
  }
  const action = content.action;
  if (!isObject(action)) return fail(131008, 'The parameter interactive.action is required.');
  if (content.type === 'button') {
    const buttons = action.buttons;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3)
      return fail(100, 'Param interactive.action.buttons must have 1 to 3 buttons.');
    for (const button of buttons) {
      const reply = isObject(button) ? button.reply : undefined;
      if (!isObject(reply) || typeof reply.title !== 'string' || typeof reply.id !== 'string')
        return fail(131008, 'Each button needs reply.id and reply.title.');
      if (reply.title.length > 20) return fail(100, 'Param button title must be at most 20 characters.');
      if (reply.id.length > 256) return fail(100, 'Param button id must be at most 256 characters.');
    }
  }
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
