/**
 * The expectations ratchet: per target and model, the verdict each check is expected to have, with a note and the
 * date it was recorded. A run judged against it fails only on what is new (a check failing that was expected to
 * pass, or one the file does not list); a check expected to fail that now passes is progress, and tightening the
 * file records it, so it cannot silently regress again. Pure; reading and writing the file is the CLI's job.
 */
import { isRecord } from '../core/json.ts';
import type { Verdict } from '../core/vocabulary.ts';
import type { CheckResult, ExpectationsOutcome, RunReport } from './result.ts';
import { exitCodeFor } from './verdict.ts';

export interface Expectation {
  verdict: Verdict;
  /** Day it was recorded (YYYY-MM-DD). */
  since: string;
  note?: string;
}

/** check id → expectation, for one model. */
export type ModelExpectations = Record<string, Expectation>;

export interface ExpectationsFile {
  /** The target the file is for (a matrix target name, or a base URL). */
  target: string;
  /** model id → its checks. */
  models: Record<string, ModelExpectations>;
}

const VERDICTS: readonly string[] = ['pass', 'fail', 'warn', 'skip'] satisfies Verdict[];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const NOTE_MAX = 120;

/** Reads an expectations file's text; a problem is one phrase naming the bad entry. */
export function parseExpectations(text: string): { file: ExpectationsFile } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'is not JSON' };
  }
  if (!isRecord(value) || typeof value['target'] !== 'string' || !isRecord(value['models'])) {
    return { problem: 'is not an expectations file (it needs "target" and "models")' };
  }
  const models: Record<string, ModelExpectations> = {};
  for (const [model, checks] of Object.entries(value['models'])) {
    if (!isRecord(checks)) return { problem: `has models["${model}"] that is not an object of checks` };
    const entries: ModelExpectations = {};
    for (const [id, entry] of Object.entries(checks)) {
      const at = `models["${model}"]["${id}"]`;
      if (!isRecord(entry) || !VERDICTS.includes(String(entry['verdict'])))
        return { problem: `has ${at} without a verdict (pass, fail, warn or skip)` };
      if (typeof entry['since'] !== 'string' || !DAY.test(entry['since']))
        return { problem: `has ${at} without a "since" date (YYYY-MM-DD)` };
      if (entry['note'] !== undefined && typeof entry['note'] !== 'string') return { problem: `has ${at} with a note that is not text` };
      entries[id] = {
        verdict: entry['verdict'] as Verdict,
        since: entry['since'],
        ...(typeof entry['note'] === 'string' ? { note: entry['note'] } : {}),
      };
    }
    models[model] = entries;
  }
  return { file: { target: value['target'], models } };
}

export function judgeExpectations(
  checks: readonly Pick<CheckResult, 'id' | 'verdict'>[],
  expected: ModelExpectations,
  file: string,
): ExpectationsOutcome {
  const outcome: ExpectationsOutcome = { file, expectedFailures: [], unexpected: [], progress: [] };
  for (const { id, verdict } of checks) {
    const entry = expected[id];
    if (verdict === 'fail') {
      if (entry?.verdict === 'fail') outcome.expectedFailures.push(id);
      else outcome.unexpected.push({ id, expected: entry?.verdict ?? 'unlisted' });
    } else if (entry?.verdict === 'fail' && (verdict === 'pass' || verdict === 'warn')) {
      outcome.progress.push(id);
    }
  }
  return outcome;
}

/**
 * Judges the report against its model's expectations, in place: `expectations` is set and the exit code follows
 * only unexpected failures (an interrupted run stays 130, one that could not finish stays 1).
 */
export function applyExpectations(report: RunReport, expected: ModelExpectations, file: string): void {
  const outcome = judgeExpectations(report.checks, expected, file);
  report.expectations = outcome;
  // A signal leaves its mark in the reason; a run with failures exits 1 and would otherwise hide it.
  const signalled = report.exitCode === 130 || /^interrupted/.test(report.incompleteReason ?? '');
  report.exitCode = exitCodeFor(outcome.unexpected.length > 0 ? ['fail'] : [], { complete: report.complete, signalled });
}

const dayOf = (iso: string): string => (DAY.test(iso.slice(0, 10)) ? iso.slice(0, 10) : new Date().toISOString().slice(0, 10));

function noteFor(check: CheckResult): string | undefined {
  const finding = check.findings.find((f) => f.verdict === 'fail');
  if (!finding) return undefined;
  // The first clause of the first line says what was seen; the rest is an excerpt of the bytes.
  const line = (finding.message.split('\n')[0] ?? '').split('; ')[0]!.replace(/\s+/g, ' ').trim();
  return line.length > NOTE_MAX ? `${line.slice(0, NOTE_MAX - 1)}…` : line;
}

/**
 * The expectations of one model as this run found them: every judged check with its verdict. An entry whose
 * verdict did not change keeps its date and note.
 */
export function recordExpectations(report: RunReport, previous: ModelExpectations = {}): ModelExpectations {
  const today = dayOf(report.startedAt);
  const out: ModelExpectations = {};
  for (const check of report.checks) {
    if (check.verdict === 'not-run') {
      const kept = previous[check.id];
      if (kept) out[check.id] = kept;
      continue;
    }
    const before = previous[check.id];
    if (before?.verdict === check.verdict) {
      out[check.id] = before;
      continue;
    }
    const note = noteFor(check);
    out[check.id] = { verdict: check.verdict, since: today, ...(note ? { note } : {}) };
  }
  return out;
}

/**
 * Tightens one model's expectations after a run: checks expected to fail that now pass or warn take their new
 * verdict, and checks the file does not list are added unless they fail. Nothing is ever loosened.
 */
export function tightenExpectations(
  report: RunReport,
  previous: ModelExpectations,
): { expectations: ModelExpectations; tightened: string[] } {
  const today = dayOf(report.startedAt);
  const out: ModelExpectations = { ...previous };
  const tightened: string[] = [];
  for (const check of report.checks) {
    const before = previous[check.id];
    const improved = before?.verdict === 'fail' && (check.verdict === 'pass' || check.verdict === 'warn');
    const added = before === undefined && (check.verdict === 'pass' || check.verdict === 'warn' || check.verdict === 'skip');
    if (!improved && !added) continue;
    out[check.id] = {
      verdict: check.verdict as Verdict,
      since: today,
      ...(improved
        ? {
            note: `${check.verdict === 'pass' ? 'passes' : 'only warns'} since ${today}; expected to fail before${before.note ? ` (${before.note})` : ''}`,
          }
        : {}),
    };
    if (improved) tightened.push(check.id);
  }
  return { expectations: out, tightened };
}

/** The file text: stable key order, one check per line group, so a tightened file diffs cleanly. */
export function renderExpectations(file: ExpectationsFile): string {
  const models = Object.fromEntries(
    Object.keys(file.models)
      .sort()
      .map((model) => [
        model,
        Object.fromEntries(
          Object.entries(file.models[model] ?? {}).map(([id, e]) => [
            id,
            { verdict: e.verdict, since: e.since, ...(e.note ? { note: e.note } : {}) },
          ]),
        ),
      ]),
  );
  return `${JSON.stringify({ target: file.target, models }, null, 2)}\n`;
}
