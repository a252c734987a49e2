/**
 * The vocabulary every check, plan and report shares.
 * A check is a small pure function over evidence; it never does I/O.
 */

import type { Evidence, Observation, Outcome } from '../core/evidence.ts';
import type { Area, Profile, Severity } from '../core/vocabulary.ts';

export interface CheckContext {
  profile: Profile;
  /** Model ids the run uses, so checks can compare `model` fields. */
  model: string;
}

export interface Check<Id extends string = string> {
  /** Stable id, `area.rule-name`. */
  id: Id;
  area: Area;
  severity: Severity;
  /** One line quoting (or closely paraphrasing) the contract. */
  rule: string;
  /** Seed document file the rule comes from, or `OpenAI convention (assumed)`. */
  source: string;
  /**
   * `run`: judges the evidence of every probe of the run, whichever area sent it (transport, error envelopes).
   * Default `area`: only the evidence of the probes of its own area.
   */
  scope?: 'area' | 'run';
  /**
   * True for checks about the transport itself, which judge exchanges that were cut or carry broken bytes. Every
   * other check's outcomes on such evidence become a skip: the body cannot be taken at its word.
   */
  judgesDamage?: true;
  /**
   * Looks at one piece of evidence. Returns no outcomes when the evidence is not its business,
   * one or more otherwise. Must be pure and must not throw on hostile input.
   */
  run(evidence: Evidence, ctx: CheckContext): Outcome[];
  /**
   * Property checks only: judges one generated case as soon as it is answered, which steers fast-check's shrinking.
   * `run` then judges the property's outcome.
   */
  examine?(observation: Observation): Examination;
}

/** One case of a property: held, broken (with what was seen), or not judgeable (no answer, rate-limited). */
export type Examination = { ok: true } | { ok: false; message: string; observation?: Observation } | { ok: 'unjudged'; reason: string };

/** Declares a check, keeping its id as a literal type so the registry can derive the `CheckId` union. */
export const defineCheck = <const Id extends string>(check: Check<Id>): Check<Id> => check;
