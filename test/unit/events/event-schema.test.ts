import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_EVENT_TYPE } from '../../../src/deliver/test-event.js';
import { eventJson } from '../../../src/events/json.js';
import { EVENT_TYPES, UPDATE_TYPES } from '../../../src/events/types.js';
import { stuckEvent } from '../../../src/send/stuck.js';
import type { SendRow } from '../../../src/store/send-ports.js';
import {
  createEventValidator,
  definitionsByType,
  EVENT_SCHEMA_URL,
  readEventSchema,
} from '../../helpers/event-schema.js';

/**
 * docs/event-schema.json: generated from the exported types, offering every event type, and
 * fitting the events built outside webhook processing (test/e2e/event-schema.test.ts runs real
 * webhooks through the pipeline against it).
 */
const SCRIPT = fileURLToPath(new URL('../../../scripts/gen-event-schema.mjs', import.meta.url));

describe('docs/event-schema.json', () => {
  it('is what the generator writes from the types today (run `npm run docs:events-schema`)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--stdout'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(
      stdout === readFileSync(EVENT_SCHEMA_URL, 'utf8'),
      'docs/event-schema.json is stale: run `npm run docs:events-schema` and commit it',
    ).toBe(true);
  }, 120_000);

  it('is what the package exports as `wahook/event-schema.json`', () => {
    // The package resolves its own name through package.json "exports", as an installed one does.
    const resolved = createRequire(import.meta.url).resolve('wahook/event-schema.json');
    expect(resolved).toBe(fileURLToPath(EVENT_SCHEMA_URL));
  });

  it('has a definition with a const `type` for every event type, each offered at the top level', () => {
    const schema = readEventSchema();
    const byType = definitionsByType(schema);
    const offered = new Set(schema.anyOf.map((entry) => entry.$ref));
    const types = [...Object.values(EVENT_TYPES), ...Object.values(UPDATE_TYPES), TEST_EVENT_TYPE];
    for (const type of types) {
      const name = byType.get(type);
      expect(name, `no definition for ${type}`).toBeDefined();
      expect(offered.has(`#/definitions/${name}`), `${type} is not in the top-level anyOf`).toBe(true);
    }
    // Every other webhook field: `whatsapp.<field>` with its value whole.
    expect(schema.definitions.FieldEvent?.properties?.type?.pattern).toBe('^whatsapp\\..*$');
    expect(offered.has('#/definitions/FieldEvent')).toBe(true);
  });

  it('fits a message.stuck event as the stuck scan builds it, and refuses it with a field retyped', () => {
    const validate = createEventValidator();
    const event = eventJson(stuckEvent(stuckSend(), 'delivered', 'sent', Date.UTC(2026, 0, 2)));
    expect(validate(event)).toEqual([]);
    expect(validate(JSON.parse(JSON.stringify({ ...event, sequence: 3 })))).toEqual([]);

    const { data } = event as { data: Record<string, unknown> };
    expect(validate({ ...event, data: { ...data, waitedSeconds: '3600' } }).join('\n')).toContain(
      '/data/waitedSeconds must be number',
    );
    expect(validate({ ...event, data: { ...data, stage: 'read' } }).join('\n')).toContain(
      '/data/stage must be equal to one of the allowed values',
    );
    const { likelyCauses: _dropped, ...missing } = data;
    expect(validate({ ...event, data: missing }).join('\n')).toContain(
      "must have required property 'likelyCauses'",
    );
    expect(validate({ ...event, data: { ...data, extra: 1 } }).join('\n')).toContain(
      'must NOT have additional properties {"additionalProperty":"extra"}',
    );
    // The business metadata is the caller's own object: any keys, any values.
    expect(validate({ ...event, data: { ...data, metadata: { deep: { any: [1, 'x'] } } } })).toEqual([]);
  });
});

function stuckSend(): SendRow {
  return {
    id: 'snd_1767225600000_a1',
    idempotencyKey: null,
    requestHash: 'hash',
    phoneNumberId: '106540352242922',
    input: '0504370045',
    recipient: '+972504370045',
    recipientKind: 'phone',
    messageType: 'text',
    message: { type: 'text', text: { body: 'hi' } },
    metadata: { booking: 'B-7' },
    createdAt: Date.UTC(2026, 0, 1),
    state: 'accepted',
    wamid: 'wamid.STUCK1',
    waId: '972504370045',
    userId: null,
    messageStatus: 'accepted',
    error: null,
    updatedAt: Date.UTC(2026, 0, 1),
    stuckStage: null,
    stuckAt: null,
  };
}
