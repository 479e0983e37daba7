/** The JSON values payload builders produce; objects keep insertion order, which is the wire order. */
export type Json = string | number | boolean | null | Json[] | JsonObject;
export type JsonObject = { [key: string]: Json };

/** Drops keys whose value is `undefined`, so optional fields are absent rather than null. */
export function compact(fields: Record<string, Json | undefined>): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) result[key] = value;
  }
  return result;
}
