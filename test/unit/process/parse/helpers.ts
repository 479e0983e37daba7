/** Builders for payloads the fixtures do not cover, and accessors that fail loudly on the wrong kind. */
import { expect } from 'vitest';
import {
  type ParsedError,
  type ParsedField,
  type ParsedItem,
  type ParsedMessage,
  type ParsedStatus,
  type ParsedUpdate,
  parseEnvelope,
} from '../../../../src/process/parse/index.js';
import { loadPayload } from '../../../fixtures/payloads/index.js';

export const WABA_ID = '301234567890123';
export const PHONE_NUMBER_ID = '112233445566778';
export const METADATA = { display_phone_number: '4930123456789', phone_number_id: PHONE_NUMBER_ID };

export function cloudBody(
  value: Record<string, unknown>,
  options: { field?: string; wabaId?: string; time?: number } = {},
): string {
  const entry: Record<string, unknown> = {
    id: options.wabaId ?? WABA_ID,
    changes: [{ field: options.field ?? 'messages', value }],
  };
  if (options.time !== undefined) entry.time = options.time;
  return JSON.stringify({ object: 'whatsapp_business_account', entry: [entry] });
}

export function messagesBody(messages: unknown[], extra: Record<string, unknown> = {}): string {
  return cloudBody({ messaging_product: 'whatsapp', metadata: METADATA, ...extra, messages });
}

export function textMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    from: '4915112345678',
    id: 'wamid.GENERATED1',
    timestamp: '1767261600',
    type: 'text',
    text: { body: 'hello' },
    ...overrides,
  };
}

/** The one message a `messages` body with this message (and `extra` beside it in the value) yields. */
export function parseOne(
  message: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): ParsedMessage {
  return single(messagesIn(itemsOf(messagesBody([message], extra))));
}

export function itemsOf(body: Buffer | string): ParsedItem[] {
  const outcome = parseEnvelope(body);
  if (!outcome.ok) throw new Error(`expected the body to parse, got: ${outcome.reason}`);
  return outcome.items;
}

export function fixtureItems(name: string): ParsedItem[] {
  return itemsOf(loadPayload(name));
}

export function reasonOf(body: Buffer | string): string {
  const outcome = parseEnvelope(body);
  if (outcome.ok) throw new Error('expected the body to be refused, but it parsed');
  return outcome.reason;
}

function only<K extends ParsedItem['kind']>(
  items: ParsedItem[],
  kind: K,
): Extract<ParsedItem, { kind: K }>[] {
  expect(items.map((item) => item.kind)).toEqual(items.map(() => kind));
  return items as Extract<ParsedItem, { kind: K }>[];
}

export const messagesIn = (items: ParsedItem[]): ParsedMessage[] => only(items, 'message');
export const statusesIn = (items: ParsedItem[]): ParsedStatus[] => only(items, 'status');
export const errorsIn = (items: ParsedItem[]): ParsedError[] => only(items, 'error');
export const fieldsIn = (items: ParsedItem[]): ParsedField[] => only(items, 'field');
export const updatesIn = (items: ParsedItem[]): ParsedUpdate[] => only(items, 'update');

export function single<T>(list: T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}
