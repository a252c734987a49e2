/**
 * fast-check against a live target, fast under latency and still reproducible. The cases fast-check would generate
 * for the seed are listed first (a dry run that sends nothing), sent side by side and judged; then fast-check runs
 * for real, reading those verdicts in order, and only the shrinking after a failure sends one request at a time.
 * Every case costs a request, so shrinking stops after a cap of steps or when the allowance runs out; from then on
 * candidates are reported as passing without being sent, which leaves the last value that really failed as
 * fast-check's counterexample (and its path as the replay path).
 */
import fc from 'fast-check';
import type { Examination } from '../checks/types.ts';
import type { Observation, PropertyEvidence } from '../core/evidence.ts';
import type { PropertySpec } from '../plans/probe.ts';

export interface PropertyRun {
  /** The probe running it, for the evidence. */
  probe: string;
  seed: number;
  /** Replays one counterexample (with `seed`): nothing is sent side by side. */
  replayPath?: string;
  /** Requests the property may still send. */
  remaining(): number;
  examine(observation: Observation): Examination;
}

interface Failure<T> {
  value: T;
  message: string;
  observation?: Observation;
}

const sameCase = (a: unknown, b: unknown): boolean => {
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
};

async function judged<T>(spec: PropertySpec<T>, run: PropertyRun, value: T, answers: Observation[]): Promise<Examination> {
  try {
    const observation = await spec.send(value);
    if (!observation.exchange.unsent) answers.push(observation);
    return run.examine(observation);
  } catch (error) {
    return { ok: false, message: `examining the case failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** The values fast-check generates for these parameters, in order, without sending anything. */
async function generatedCases<T>(spec: PropertySpec<T>, parameters: fc.Parameters<[T]>): Promise<T[]> {
  const cases: T[] = [];
  await fc.check(
    fc.asyncProperty(spec.arbitrary, async (value) => {
      cases.push(value);
      return true;
    }),
    parameters,
  );
  return cases;
}

export async function runProperty<T>(spec: PropertySpec<T>, run: PropertyRun): Promise<PropertyEvidence> {
  const numRuns = Math.max(0, Math.min(Math.floor(spec.runs), run.remaining()));
  const evidence: PropertyEvidence = { kind: 'property', probe: run.probe, tags: [], property: spec.property, runs: 0, cases: [] };
  if (numRuns === 0) {
    evidence.interrupted = true;
    return evidence;
  }
  const replaying = run.replayPath !== undefined;
  const parameters: fc.Parameters<[T]> = {
    numRuns,
    seed: run.seed,
    ...(replaying ? { path: run.replayPath, endOnFailure: true } : {}),
    ...(spec.examples?.length ? { examples: spec.examples.map((e) => [e] as [T]) } : {}),
  };

  const cases = replaying ? [] : await generatedCases(spec, parameters);
  const verdicts = await Promise.all(cases.map((value) => judged(spec, run, value, evidence.cases)));

  let generated = 0;
  let shrinkSteps = 0;
  let unjudged: PropertyEvidence['unjudged'];
  let lastFailure: Failure<T> | undefined;
  let outOfBudget = false;
  const predicate = async (value: T): Promise<boolean> => {
    const shrinking = lastFailure !== undefined;
    let result: Examination;
    if (!shrinking && generated < verdicts.length && sameCase(cases[generated], value)) {
      result = verdicts[generated]!;
      generated += 1;
    } else {
      if (shrinking && shrinkSteps >= spec.shrinks) return true;
      if (run.remaining() <= 0) {
        outOfBudget = true;
        return true;
      }
      if (shrinking) shrinkSteps += 1;
      else generated += 1;
      result = await judged(spec, run, value, evidence.cases);
    }
    if (result.ok === 'unjudged') {
      if (!shrinking) unjudged = { count: (unjudged?.count ?? 0) + 1, reason: unjudged?.reason ?? result.reason };
      return true;
    }
    if (result.ok) return true;
    lastFailure = { value, message: result.message, ...(result.observation ? { observation: result.observation } : {}) };
    return false;
  };

  const details = await fc.check(fc.asyncProperty(spec.arbitrary, predicate), parameters);
  // Cases sent side by side count even when fast-check stopped at an earlier failure.
  evidence.runs = Math.max(generated, cases.length);
  if (unjudged) evidence.unjudged = unjudged;
  if (lastFailure && details.failed) {
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
