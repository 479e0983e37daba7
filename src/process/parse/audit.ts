/**
 * What a wire schema did not read. The wire schemas are liberal: a key they do not name is let
 * through, and a value of the wrong type reads as absent, so that one odd field never costs the
 * message around it. That liberty must not turn into silent loss, so after parsing, the raw item
 * is walked beside its schema and everything the schema passed over is collected here, under its
 * dotted path (`context.mentions`, `location.latitude`, `contacts[0].ims`), to travel in the event
 * as `unparsed` and to be named in the flags `unknown_fields:` and `wrong_type:`.
 *
 * The walk reads zod's own schema definitions (objects, arrays, wrappers), so a field added to a
 * wire schema is known here without a second list to keep in step.
 */
import type { z } from 'zod';
import { wireBoolean, wireNumber, wireString } from '../../whatsapp/payload-schema-common.js';
import { isRecord } from './normalize.js';

export interface Audit {
  /** Raw values the schema did not read, by dotted path. */
  unparsed: Record<string, unknown>;
  unknownPaths: string[];
  wrongTypePaths: string[];
}

export function emptyAudit(): Audit {
  return { unparsed: {}, unknownPaths: [], wrongTypePaths: [] };
}

/**
 * The walk stops this deep and does not look below it. The decoder already refuses bodies nested
 * past MAX_NESTING_DEPTH, and no wire schema is this deep, so nothing it could name is missed.
 */
const MAX_AUDIT_DEPTH = 16;

export interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
}

export function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/** The schema under optional/nullable/catch/default wrappers and the input side of transforms. */
export function structural(schema: z.ZodType): z.ZodType {
  // Every leaf of every row asks this, and a schema never changes: unwrap each one once.
  let inner = STRUCTURAL.get(schema);
  if (inner === undefined) {
    inner = unwrap(schema);
    STRUCTURAL.set(schema, inner);
  }
  return inner;
}

const STRUCTURAL = new WeakMap<z.ZodType, z.ZodType>();
const WRAPPERS: ReadonlySet<string> = new Set([
  'optional',
  'nullable',
  'catch',
  'default',
  'prefault',
  'readonly',
]);

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let guard = 0; guard < 32; guard += 1) {
    const def = defOf(current);
    if (def.innerType && WRAPPERS.has(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
  return current;
}

/**
 * Walks `raw` beside `schema`, adding to `audit` what the schema passed over. `known` limits the
 * top-level keys that count as read (a message reads only its common keys and the one its `type`
 * names); nested objects use their schema's keys.
 */
export function auditAgainst(
  schema: z.ZodType,
  raw: unknown,
  audit: Audit,
  options: { path?: string; known?: (key: string) => boolean } = {},
): Audit {
  walk(schema, raw, options.path ?? '', audit, 0, options.known);
  return audit;
}

function walk(
  schema: z.ZodType,
  raw: unknown,
  path: string,
  audit: Audit,
  depth: number,
  knownTop?: (key: string) => boolean,
): void {
  if (raw === undefined || raw === null) return;
  const inner = structural(schema);
  const def = defOf(inner);
  if (def.type === 'object' && def.shape) {
    if (!isRecord(raw)) {
      wrongType(audit, path, raw);
      return;
    }
    if (depth >= MAX_AUDIT_DEPTH) return;
    for (const key of Object.keys(raw)) {
      const value = raw[key];
      const child = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
      const known = child !== undefined && (knownTop === undefined || knownTop(key));
      // Most keys are leaves read as sent: settled here, before a path is spelled out for them.
      if (known && (value === undefined || value === null || PLAINLY_READ.get(child)?.(value) === true))
        continue;
      const childPath = path === '' ? key : `${path}.${key}`;
      if (!known) {
        keepUnparsed(audit, childPath, value);
        audit.unknownPaths.push(childPath);
      } else walk(child, value, childPath, audit, depth + 1);
    }
    return;
  }
  if (def.type === 'array' && def.element) {
    if (!Array.isArray(raw)) {
      wrongType(audit, path, raw);
      return;
    }
    if (depth >= MAX_AUDIT_DEPTH) return;
    raw.forEach((item, index) => {
      walk(def.element as z.ZodType, item, `${path}[${index}]`, audit, depth + 1);
    });
    return;
  }
  // `unknown` and `record` slots are read whole by the parser (or parsed again on their own).
  if (def.type === 'unknown' || def.type === 'any' || def.type === 'record') return;
  // A leaf: the liberal schema reads a wrong type as absent, which is exactly what to catch.
  if (PLAINLY_READ.get(schema)?.(raw) === true) return;
  const parsed = schema.safeParse(raw);
  if (!parsed.success || parsed.data === undefined) wrongType(audit, path, raw);
}

/**
 * Values the commonest leaves read without a doubt, answered without running zod a second time
 * over what the parse already read (most of a row's leaves are strings). A value not answered
 * here goes through the schema itself.
 */
const isJsonNumber = (raw: unknown) => typeof raw === 'number' && Number.isFinite(raw);
const PLAINLY_READ: ReadonlyMap<z.ZodType, (raw: unknown) => boolean> = new Map<
  z.ZodType,
  (raw: unknown) => boolean
>([
  [wireString, (raw) => typeof raw === 'string' || isJsonNumber(raw)],
  [wireNumber, isJsonNumber],
  [wireBoolean, (raw) => typeof raw === 'boolean'],
]);

function wrongType(audit: Audit, path: string, raw: unknown): void {
  keepUnparsed(audit, path, raw);
  audit.wrongTypePaths.push(path);
}

/**
 * Defines the path as an own key: a top-level key `__proto__` (JSON.parse makes it an own key of
 * the item) assigned with `=` would hit Object.prototype's setter, and its value would be lost
 * (or become the prototype of `unparsed`) instead of being kept as sent.
 */
function keepUnparsed(audit: Audit, path: string, value: unknown): void {
  Object.defineProperty(audit.unparsed, path, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** The flags naming what an audit collected; nothing when it collected nothing. */
export function auditFlags(audit: Audit): string[] {
  const flags: string[] = [];
  if (audit.unknownPaths.length > 0) flags.push(`unknown_fields:${[...audit.unknownPaths].sort().join(',')}`);
  if (audit.wrongTypePaths.length > 0) flags.push(`wrong_type:${[...audit.wrongTypePaths].sort().join(',')}`);
  return flags;
}

/** `unparsed` as events carry it: null when nothing was passed over. */
export function unparsedOrNull(audit: Audit): Record<string, unknown> | null {
  return Object.keys(audit.unparsed).length === 0 ? null : audit.unparsed;
}
