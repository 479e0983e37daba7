import { expectTypeOf, it } from 'vitest';
import type * as consumer from '../../../src/consumer/index.js';
import type * as main from '../../../src/index.js';

/**
 * Type-level checks of the exported event types (`tsc --noEmit` over the tests enforces them): both
 * entry points give one WahookEvent union, and checking `type` narrows `data` without a cast.
 */
it('exports the same WahookEvent union from `wahook` and `wahook/consumer`', () => {
  expectTypeOf<main.WahookEvent>().toEqualTypeOf<consumer.WahookEvent>();
  expectTypeOf<main.EventDataByType>().toEqualTypeOf<consumer.EventDataByType>();
  expectTypeOf<main.MessageStuckData>().toEqualTypeOf<consumer.MessageStuckData>();
});

it('narrows data by the event type', () => {
  const dataOf = (event: consumer.WahookEvent) => {
    switch (event.type) {
      case 'message.status':
        expectTypeOf(event.data).toEqualTypeOf<consumer.MessageStatusData>();
        return event.data.currentStatus;
      case 'message.stuck':
        expectTypeOf(event.data).toEqualTypeOf<consumer.MessageStuckData>();
        return event.data.stage;
      case 'wahook.test':
        expectTypeOf(event.data).toEqualTypeOf<consumer.TestEventData>();
        return event.data.message;
      case 'template.status':
        expectTypeOf(event.data).toEqualTypeOf<consumer.TemplateStatusData>();
        return event.data.event;
      case 'call.terminate':
        expectTypeOf(event.data).toEqualTypeOf<consumer.CallData>();
        return event.data.duration === null ? null : String(event.data.duration);
      default:
        return null;
    }
  };
  const stuck: consumer.EventOf<'message.stuck'> = {
    id: 'evt_x',
    type: 'message.stuck',
    schema_version: 1,
    created_at: '2026-01-01T00:00:00.000Z',
    ordering_key: 'msg:wamid.X',
    phone_number_id: '1',
    data: {
      messageId: 'wamid.X',
      phoneNumberId: '1',
      stage: 'sent',
      currentStatus: 'accepted',
      sentAt: '2026-01-01T00:00:00.000Z',
      waitedSeconds: 600,
      likelyCauses: [],
      metadata: null,
      send: { id: 'snd_1', input: '+1', to: '+1' },
    },
  };
  expectTypeOf(dataOf(stuck)).toEqualTypeOf<string | null>();
  expectTypeOf<consumer.FieldEvent['data']>().toEqualTypeOf<consumer.FieldEventData>();
});
