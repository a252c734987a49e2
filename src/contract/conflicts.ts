/**
 * Where the documents disagree or are ambiguous, the spec records the reading it takes (`x-conflicts` in
 * spec/openapi.yaml) and how each profile treats a target that follows another reading. Findings cite these ids.
 */
import { isRecord } from '../core/json.ts';
import { PROFILES, type Profile } from '../core/vocabulary.ts';
import { specDocument } from './spec.ts';

export type Treatment = 'fail' | 'warn' | 'pass';

const TREATMENTS: readonly Treatment[] = ['fail', 'warn', 'pass'];

export interface ConflictQuote {
  /** Seed document file name, e.g. `000_96bde8db4d236014.txt`. */
  file: string;
  /** Literal text from that file, in its original language. */
  text: string;
}

export interface Conflict {
  id: string;
  title: string;
  /** Names of the fields the conflict touches. */
  fields: string[];
  quotes: ConflictQuote[];
  /** What the spec takes and why, in English. */
  reading: string;
  /** Verdict per profile for a finding that carries this conflict id. */
  profiles: Record<Profile, Treatment>;
}

let parsed: readonly Conflict[] | undefined;

/** Every recorded conflict, in spec order. */
export function conflicts(): readonly Conflict[] {
  parsed ??= Object.freeze(parseConflicts(specDocument()['x-conflicts']));
  return parsed;
}

export function conflict(id: string): Conflict {
  const found = conflicts().find((c) => c.id === id);
  if (!found) throw new Error(`unknown conflict id "${id}" (not in x-conflicts of spec/openapi.yaml)`);
  return found;
}

export function treatment(id: string, profile: Profile): Treatment {
  return conflict(id).profiles[profile];
}

/** Checks the shape of an `x-conflicts` list; throws naming the entry at fault. */
export function parseConflicts(raw: unknown): Conflict[] {
  if (!Array.isArray(raw)) throw new Error('x-conflicts must be a list');
  const seen = new Set<string>();
  return raw.map((entry: unknown, index) => {
    const where = `x-conflicts[${index}]`;
    if (!isRecord(entry)) throw new Error(`${where} must be a mapping`);
    const id = text(entry.id, `${where}.id`);
    if (seen.has(id)) throw new Error(`${where}: duplicate id "${id}"`);
    seen.add(id);
    const at = `x-conflicts "${id}"`;
    return {
      id,
      title: text(entry.title, `${at}.title`),
      fields: list(entry.fields, `${at}.fields`).map((f, i) => text(f, `${at}.fields[${i}]`)),
      quotes: list(entry.quotes, `${at}.quotes`).map((q, i) => quote(q, `${at}.quotes[${i}]`)),
      reading: text(entry.reading, `${at}.reading`),
      profiles: profiles(entry.profiles, `${at}.profiles`),
    };
  });
}

function quote(value: unknown, where: string): ConflictQuote {
  if (!isRecord(value)) throw new Error(`${where} must be {file, text}`);
  return { file: text(value.file, `${where}.file`), text: text(value.text, `${where}.text`) };
}

function profiles(value: unknown, where: string): Record<Profile, Treatment> {
  if (!isRecord(value)) throw new Error(`${where} must map each profile to fail, warn or pass`);
  const result = {} as Record<Profile, Treatment>;
  for (const profile of PROFILES) {
    const treatment = value[profile];
    if (!TREATMENTS.includes(treatment as Treatment)) {
      throw new Error(`${where}.${profile} must be fail, warn or pass, got ${JSON.stringify(treatment)}`);
    }
    result[profile] = treatment as Treatment;
  }
  return result;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${where} must be a non-empty string`);
  return value;
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${where} must be a non-empty list`);
  return value;
}
