/**
 * Structural checks of the Cloud API webhook shape from the fact reference (§3–§6), written
 * independently of the builders so a builder that drifts from the documented shape fails.
 * Returns a list of problems; empty means the payload has the documented shape.
 */
type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isDigits = (value: unknown): boolean => typeof value === 'string' && /^\d+$/.test(value);
const WAMID = /^wamid\.[A-Za-z0-9+/]+=*$/;
const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'];

function checkMessage(message: Obj, where: string, problems: string[]): void {
  if (typeof message.id !== 'string' || !WAMID.test(message.id)) problems.push(`${where}.id is not a wamid`);
  if (!isDigits(message.timestamp)) problems.push(`${where}.timestamp is not a string of unix seconds`);
  if (message.from === undefined && message.from_user_id === undefined)
    problems.push(`${where} has no sender`);
  if (message.from !== undefined && !isDigits(message.from)) problems.push(`${where}.from is not digits`);
  const type = message.type;
  if (typeof type !== 'string') {
    problems.push(`${where}.type missing`);
    return;
  }
  if (type === 'unsupported') {
    if (!Array.isArray(message.errors)) problems.push(`${where} unsupported without errors[]`);
  } else if (!isObj(message[type]) && !Array.isArray(message[type])) {
    problems.push(`${where} has type ${type} but no "${type}" object`);
  }
  if (MEDIA_TYPES.includes(type)) {
    const media = message[type] as Obj;
    if (
      typeof media.id !== 'string' ||
      typeof media.mime_type !== 'string' ||
      typeof media.sha256 !== 'string'
    ) {
      problems.push(`${where}.${type} lacks id/mime_type/sha256`);
    }
  }
  if (type === 'location') {
    const location = message.location as Obj;
    if (typeof location.latitude !== 'number' || typeof location.longitude !== 'number') {
      problems.push(`${where}.location coordinates are not numbers`);
    }
  }
  if (type === 'interactive' && isObj(message.interactive)) {
    const kind = message.interactive.type;
    if (typeof kind !== 'string' || !isObj(message.interactive[kind]))
      problems.push(`${where}.interactive malformed`);
  }
}

function checkStatus(status: Obj, where: string, problems: string[]): void {
  if (typeof status.id !== 'string' || !WAMID.test(status.id)) problems.push(`${where}.id is not a wamid`);
  if (typeof status.status !== 'string') problems.push(`${where}.status missing`);
  if (!isDigits(status.timestamp)) problems.push(`${where}.timestamp is not a string of unix seconds`);
  if (status.recipient_id === undefined && status.recipient_user_id === undefined) {
    problems.push(`${where} names no recipient`);
  }
  if (status.status === 'failed') {
    const errors = status.errors;
    if (
      !Array.isArray(errors) ||
      errors.length === 0 ||
      !errors.every((e) => isObj(e) && typeof e.code === 'number')
    ) {
      problems.push(`${where} failed without errors[].code`);
    }
    if (status.pricing !== undefined) problems.push(`${where} failed with pricing`);
  } else if (status.errors !== undefined) {
    problems.push(`${where} carries errors but is ${String(status.status)}`);
  }
}

function checkMessagesValue(value: Obj, where: string, problems: string[]): void {
  if (value.messaging_product !== 'whatsapp') problems.push(`${where}.messaging_product is not whatsapp`);
  const metadata = value.metadata;
  if (!isObj(metadata) || !isDigits(metadata.phone_number_id) || !isDigits(metadata.display_phone_number)) {
    problems.push(`${where}.metadata lacks phone_number_id/display_phone_number`);
  }
  const arrays = ['messages', 'statuses', 'errors', 'user_preferences'].filter((key) =>
    Array.isArray(value[key]),
  );
  if (arrays.length === 0) problems.push(`${where} has no messages, statuses or errors`);
  for (const [i, message] of ((value.messages as unknown[]) ?? []).entries()) {
    if (isObj(message)) checkMessage(message, `${where}.messages[${i}]`, problems);
    else problems.push(`${where}.messages[${i}] is not an object`);
  }
  for (const [i, status] of ((value.statuses as unknown[]) ?? []).entries()) {
    if (isObj(status)) checkStatus(status, `${where}.statuses[${i}]`, problems);
    else problems.push(`${where}.statuses[${i}] is not an object`);
  }
  if (value.contacts !== undefined && !Array.isArray(value.contacts))
    problems.push(`${where}.contacts not an array`);
}

export function cloudShapeProblems(payload: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(payload) || payload.object !== 'whatsapp_business_account' || !Array.isArray(payload.entry)) {
    return ['not a Cloud API envelope (object/entry)'];
  }
  for (const [e, entry] of payload.entry.entries()) {
    if (!isObj(entry) || !isDigits(entry.id) || !Array.isArray(entry.changes) || entry.changes.length === 0) {
      problems.push(`entry[${e}] lacks id or changes`);
      continue;
    }
    for (const [c, change] of entry.changes.entries()) {
      const where = `entry[${e}].changes[${c}]`;
      if (!isObj(change) || typeof change.field !== 'string' || !isObj(change.value)) {
        problems.push(`${where} lacks field or value`);
        continue;
      }
      if (change.field === 'messages' || change.field === 'user_preferences') {
        checkMessagesValue(change.value, `${where}.value`, problems);
      } else if (typeof entry.time !== 'number') {
        problems.push(`entry[${e}] of field ${change.field} lacks an integer time`);
      }
    }
  }
  return problems;
}
