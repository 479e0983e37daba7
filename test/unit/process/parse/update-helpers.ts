/** The events typed updates become, as a consumer reads them. */
import { fieldEvent, updateEvent } from '../../../../src/process/build-events.js';
import type { ParsedItem } from '../../../../src/process/parse/index.js';
import { cloudBody, fixtureItems, itemsOf } from './helpers.js';

export type { CallData, TemplateStatusData } from '../../../../src/index.js';

export interface NewEventLike {
  id: string;
  type: string;
  ordering_key: string;
  data: Record<string, unknown>;
}

function toEvents(items: ParsedItem[]): NewEventLike[] {
  return items.map((item) => {
    if (item.kind !== 'update' && item.kind !== 'field') throw new Error(`unexpected ${item.kind} item`);
    const event = item.kind === 'update' ? updateEvent(item, 0) : fieldEvent(item, 0);
    return {
      id: event.id,
      type: event.type,
      ordering_key: event.orderingKey,
      data: event.data as Record<string, unknown>,
    };
  });
}

export function eventsOfFixture(name: string): NewEventLike[] {
  return toEvents(fixtureItems(name));
}

export function eventsOfValue(field: string, value: Record<string, unknown>, time?: number): NewEventLike[] {
  return toEvents(itemsOf(cloudBody(value, time === undefined ? { field } : { field, time })));
}

/** The events of a body given as text, for keys JSON.stringify cannot write (an own `__proto__`). */
export function eventsOfBody(body: string): NewEventLike[] {
  return toEvents(itemsOf(body));
}
