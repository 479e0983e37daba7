/**
 * A small seeded PRNG so a simulation is reproducible: the same seed gives the same payloads, the
 * same batches, the same reordering and the same duplicates. Builders take a `Random` and never
 * call Math.random.
 *
 * mulberry32 is enough here: we need speed and reproducibility, not cryptographic quality.
 * `fork(label)` derives an independent stream, so adding inbound messages to a run does not
 * shift the wamids of its outbound messages.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by relative weight; weights need not sum to 1. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T;
  digits(count: number): string;
  /** Upper-case hexadecimal characters. */
  hex(count: number): string;
  bytes(count: number): Uint8Array;
  fork(label: string): Random;
}

/** 32-bit FNV-1a: turns any seed text into a PRNG state. */
function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function createRandom(seed: string | number): Random {
  const seedText = String(seed);
  let state = hashSeed(seedText);

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick() needs at least one item');
    return items[int(0, items.length - 1)] as T;
  };

  return {
    next,
    int,
    pick,
    chance: (probability) => next() < probability,
    weighted: (choices) => {
      const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of choices) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return pick(choices)[0];
    },
    digits: (count) => Array.from({ length: count }, () => String(int(0, 9))).join(''),
    hex: (count) => Array.from({ length: count }, () => int(0, 15).toString(16).toUpperCase()).join(''),
    bytes: (count) => Uint8Array.from({ length: count }, () => int(0, 255)),
    fork: (label) => createRandom(`${seedText}/${label}`),
  };
}
