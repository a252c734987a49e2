/**
 * Deterministic randomness for the reference provider: every choice it makes is derived from a hash of
 * its inputs, so the same request always produces the same answer.
 */
import { createHash } from 'node:crypto';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  below(bound: number): number;
  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** An independent stream derived from this one and a label. */
  fork(label: string): Random;
}

/** 32-bit seed from any string (first four bytes of its SHA-256). */
export function hashToSeed(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/** Hex digest, for stable identifiers. */
export function hashHex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Sorted-key JSON so that key order in a request never changes its fingerprint. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** mulberry32: small, fast, and good enough for choosing words. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (bound: number): number => Math.floor(next() * Math.max(1, Math.floor(bound)));
  return {
    next,
    below,
    between: (min, max) => (max <= min ? min : min + below(max - min + 1)),
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[below(items.length)] as T;
    },
    fork: (label) => createRandom(hashToSeed(`${seed}:${label}`)),
  };
}
