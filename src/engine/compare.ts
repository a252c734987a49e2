/**
 * The regression view: how a run's verdicts differ from an earlier run's, check by check. Pure; reading the
 * earlier report.json from disk is the CLI's job, judging whether its text is a usable report is done here.
 */

import { isRecord } from '../core/json.ts';
import type { Verdict } from '../core/vocabulary.ts';
import { type CheckResult, REPORT_SCHEMA_VERSION, type RunComparison, type RunReport } from './result.ts';

/** What a comparison reads from a run; a whole RunReport is one. */
export type RunVerdicts = Pick<RunReport, 'target' | 'embedded' | 'model' | 'profile' | 'seed' | 'startedAt'> & {
  checks: ReadonlyArray<Pick<CheckResult, 'id' | 'verdict'>>;
};

type CheckVerdict = Verdict | 'not-run';

/** `previous` → `current`, in the current run's check order, then checks only the earlier run had. */
export function compareRuns(previous: RunVerdicts, current: RunVerdicts, file: string): RunComparison {
  const before = new Map<string, CheckVerdict>(previous.checks.map((c) => [c.id, c.verdict]));
  const after = new Map<string, CheckVerdict>(current.checks.map((c) => [c.id, c.verdict]));
  const ids = [...after.keys(), ...[...before.keys()].filter((id) => !after.has(id))];
  const changed = ids.flatMap((id) => {
    const from = before.get(id) ?? 'not-run';
    const to = after.get(id) ?? 'not-run';
    if (from === to) return [];
    // A check left out of one run (--only/--skip) did not change, unless a failure appears or drops out of sight.
    if ((from === 'not-run' || to === 'not-run') && from !== 'fail' && to !== 'fail') return [];
    return [{ id, from, to }];
  });
  return {
    against: { startedAt: previous.startedAt, seed: previous.seed, file },
    newlyFailing: changed.filter((c) => c.to === 'fail').map((c) => c.id),
    newlyPassing: changed.filter((c) => c.from === 'fail' && c.to === 'pass').map((c) => c.id),
    changed,
  };
}

/**
 * Whether an earlier run tested the same thing, so comparing with it means something. The embedded reference
 * listens on a fresh port every run, so any two embedded runs share a target.
 */
export function sameSubject(previous: RunVerdicts, current: RunVerdicts): boolean {
  const sameTarget = previous.embedded && current.embedded ? true : previous.target === current.target;
  return sameTarget && previous.model === current.model && previous.profile === current.profile;
}

export type ParsedBaseline = { run: RunVerdicts } | { problem: string };

const CHECK_VERDICTS: readonly string[] = ['pass', 'fail', 'warn', 'skip', 'not-run'] satisfies CheckVerdict[];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Reads report.json text of an earlier run; checks what a comparison relies on, and the format version. */
export function parseBaseline(text: string): ParsedBaseline {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (!isRecord(value) || !isRecord(value['tool']) || value['tool']['name'] !== 'chat-conformance') {
    return { problem: 'is not a chat-conformance report.json' };
  }
  const version = value['schemaVersion'];
  if (version !== REPORT_SCHEMA_VERSION) {
    const found = version === undefined ? 'has no schemaVersion' : `has report schema version ${JSON.stringify(version)}`;
    return { problem: `${found}; this tool reads version ${REPORT_SCHEMA_VERSION}` };
  }
  const { target, embedded, model, profile, seed, startedAt, checks } = value;
  if (
    typeof target !== 'string' ||
    typeof embedded !== 'boolean' ||
    typeof model !== 'string' ||
    typeof profile !== 'string' ||
    !Number.isInteger(seed) ||
    typeof startedAt !== 'string' ||
    !ISO_TIME.test(startedAt) ||
    !Array.isArray(checks)
  ) {
    return { problem: 'lacks the run facts of a report.json (target, model, profile, seed, startedAt, checks)' };
  }
  const verdicts: Array<Pick<CheckResult, 'id' | 'verdict'>> = [];
  for (const check of checks) {
    if (!isRecord(check) || typeof check['id'] !== 'string' || !CHECK_VERDICTS.includes(String(check['verdict']))) {
      return { problem: 'has a check without an id or a known verdict' };
    }
    verdicts.push({ id: check['id'], verdict: check['verdict'] as CheckVerdict });
  }
  return { run: { target, embedded, model, profile, seed: seed as number, startedAt, checks: verdicts } };
}
