/**
 * The types of typed update data: a wire schema's parsed type with Meta's keys in camelCase, every
 * key present (null when absent), errors explained. `present` in src/process/parse/present.ts
 * builds the values by the same rule, so the exported types and the data cannot drift apart.
 */
import type { z } from 'zod';
import type { MessageError } from './record-types.js';

export type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S;

/** The type `present` returns for a schema's parsed type. */
export type Presented<T> =
  T extends z.$brand<'WireErrorList'>
    ? MessageError[]
    : T extends readonly (infer Item)[]
      ? Presented<Item>[]
      : T extends Record<string, unknown>
        ? { [K in keyof T as CamelCase<K & string>]-?: Presented<Exclude<T[K], undefined>> | null }
        : T;

/** The event data a wire schema presents to. */
export type PresentedOf<Schema extends z.ZodType> = Presented<z.output<Schema>>;
