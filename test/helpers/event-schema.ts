import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

/**
 * docs/event-schema.json as a consumer would use it: compiled by Ajv in strict mode (an unknown
 * keyword or a construct Ajv cannot read fails here, not at a consumer), every error reported.
 */
export const EVENT_SCHEMA_URL = new URL('../../docs/event-schema.json', import.meta.url);

export interface EventSchemaFile {
  anyOf: { $ref: string }[];
  definitions: Record<string, { properties?: { type?: { const?: string; pattern?: string } } }>;
}

export function readEventSchema(): EventSchemaFile {
  return JSON.parse(readFileSync(EVENT_SCHEMA_URL, 'utf8')) as EventSchemaFile;
}

/** The definition name of each event type the schema names by a const `type`. */
export function definitionsByType(schema: EventSchemaFile): Map<string, string> {
  const byType = new Map<string, string>();
  for (const [name, definition] of Object.entries(schema.definitions)) {
    const type = definition.properties?.type?.const;
    if (type !== undefined) byType.set(type, name);
  }
  return byType;
}

/**
 * A validator of whole events against the top-level schema; answers the problems, `[]` when the
 * event fits. The anyOf alone would only say "must match a schema in anyOf", so a misfit is
 * explained by the errors of the definition its `type` names.
 */
export function createEventValidator(): (event: unknown) => string[] {
  const schema = readEventSchema();
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addSchema(schema, 'events');
  const validate = ajv.getSchema('events')!;
  const byType = definitionsByType(schema);
  return (event) => {
    if (validate(event)) return [];
    const type = (event as { type?: unknown } | null)?.type;
    const name =
      typeof type !== 'string'
        ? undefined
        : (byType.get(type) ?? (type.startsWith('whatsapp.') ? 'FieldEvent' : undefined));
    const explain = name === undefined ? undefined : ajv.getSchema(`events#/definitions/${name}`)!;
    const errors = explain && !explain(event) ? explain.errors : validate.errors;
    return (errors ?? []).map((error) => describe(name, error));
  };
}

/** A validator of batched bodies against `#/definitions/EventBatch`, a misfit explained per element. */
export function createBatchValidator(): (body: unknown) => string[] {
  const ajv = new Ajv({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addSchema(readEventSchema(), 'events');
  const validate = ajv.getSchema('events#/definitions/EventBatch')!;
  const validateEvent = createEventValidator();
  return (body) => {
    if (validate(body)) return [];
    if (!Array.isArray(body)) return [`EventBatch/ ${validate.errors?.[0]?.message ?? 'does not fit'}`];
    return body.flatMap((event, index) => validateEvent(event).map((problem) => `[${index}] ${problem}`));
  };
}

function describe(name: string | undefined, error: ErrorObject): string {
  return `${name ?? 'WahookEvent'}${error.instancePath || '/'} ${error.message} ${JSON.stringify(error.params)}`;
}
