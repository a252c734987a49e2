/**
 * fast-check against a live target. Every examined value costs requests, so the run is bounded twice: the number of
 * generated cases is the caller's, and shrinking stops after a cap of steps or when the budget runs low. Once
 * shrinking stops, every further candidate is reported as passing without being sent, which leaves the last value
 * that really failed as fast-check's counterexample (and its path as the replay path).
 */
import fc from 'fast-check';
import type { ProbeIO } from './probe.ts';
import type { Observation, PropertyEvidence } from '../core/evidence.ts';

export type Examination = { ok: true } | { ok: false; message: string; observation?: Observation };

export interface PropertySpec<T> {
  probe: string;
  property: string;
  tags?: string[];
  arbitrary: fc.Arbitrary<T>;
  numRuns: number;
  /** Most shrink steps (each costs requests); default 10. */
  maxShrinks?: number;
  /** Requests one examination sends at most (e.g. 2 for reject-then-health); default 1. */
  costPerRun?: number;
  /** Values tried before the generated ones (they count towards numRuns). */
  examples?: T[];
  examine(value: T): Promise<Examination>;
}

/** Progress is reported every this many examinations. */
const PROGRESS_EVERY = 5;

export const DEFAULT_MAX_SHRINKS = 10;

interface Failure<T> {
  value: T;
  message: string;
  observation?: Observation;
}

export async function runProperty<T>(io: ProbeIO, spec: PropertySpec<T>): Promise<PropertyEvidence> {
  const cost = Math.max(1, spec.costPerRun ?? 1);
  const maxShrinks = Math.max(0, spec.maxShrinks ?? DEFAULT_MAX_SHRINKS);
  const numRuns = Math.max(0, Math.floor(spec.numRuns));
  const evidence: PropertyEvidence = {
    kind: 'property',
    probe: spec.probe,
    tags: spec.tags ?? [],
    property: spec.property,
    runs: 0,
  };
  if (numRuns === 0 || io.remainingBudget() < cost) {
    evidence.interrupted = true;
    return evidence;
  }

  let examined = 0;
  let shrinkSteps = 0;
  let lastFailure: Failure<T> | undefined;
  let outOfBudget = false;

  const predicate = async (value: T): Promise<boolean> => {
    const shrinking = lastFailure !== undefined;
    if (shrinking && shrinkSteps >= maxShrinks) return true;
    if (io.remainingBudget() < cost) {
      outOfBudget = true;
      return true;
    }
    if (shrinking) shrinkSteps++;
    else examined++;
    if (!shrinking && examined % PROGRESS_EVERY === 0) io.progress(`${spec.property}: ${examined}/${numRuns} cases`);
    let result: Examination;
    try {
      result = await spec.examine(value);
    } catch (error) {
      result = { ok: false, message: `examining the case failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (result.ok) return true;
    lastFailure = { value, message: result.message, ...(result.observation ? { observation: result.observation } : {}) };
    return false;
  };

  const replaying = io.config.replayPath !== undefined;
  const details = await fc.check(fc.asyncProperty(spec.arbitrary, predicate), {
    numRuns,
    seed: io.config.seed,
    ...(replaying ? { path: io.config.replayPath, endOnFailure: true } : {}),
    ...(spec.examples?.length ? { examples: spec.examples.map((e) => [e] as [T]) } : {}),
  });

  evidence.runs = examined;
  if (lastFailure && details.failed) {
    if (shrinkSteps > 0) io.progress(`${spec.property}: counterexample after ${shrinkSteps} shrink step(s)`);
    evidence.failure = {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      counterexample: lastFailure.value,
      message: lastFailure.message,
      ...(lastFailure.observation ? { observation: lastFailure.observation } : {}),
    };
  } else if (outOfBudget || details.interrupted) {
    evidence.interrupted = true;
  }
  return evidence;
}
