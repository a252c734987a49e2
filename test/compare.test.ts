import { describe, expect, test } from 'vitest';
import { compareRuns, parseBaseline, sameSubject } from '../src/engine/compare.ts';
import type { CheckResult, RunReport } from '../src/engine/result.ts';
import { renderJson } from '../src/report/json.ts';
import { sampleReport } from './fixtures/report-sample.ts';

const FILE = 'reports/latest/report.json';

/** The sample run with some verdicts replaced (`undefined` removes the check), as another run of the same target. */
function variant(verdicts: Record<string, CheckResult['verdict'] | undefined>, changes: Partial<RunReport> = {}): RunReport {
  const report = { ...sampleReport(), ...changes };
  delete report.comparison;
  report.checks = report.checks.flatMap((check) => {
    if (!(check.id in verdicts)) return [check];
    const verdict = verdicts[check.id];
    return verdict === undefined ? [] : [{ ...check, verdict }];
  });
  return report;
}

describe('compareRuns', () => {
  test('identical runs: nothing changed', () => {
    const comparison = compareRuns(sampleReport(), sampleReport(), FILE);
    expect(comparison).toEqual({
      against: { startedAt: '2026-11-23T06:34:00.000Z', seed: 42, file: FILE },
      newlyFailing: [],
      newlyPassing: [],
      changed: [],
    });
  });

  test('records the earlier run it was compared with', () => {
    const previous = variant({}, { startedAt: '2026-11-22T03:00:00.000Z', seed: 3 });
    expect(compareRuns(previous, sampleReport(), 'baseline/gw.json').against).toEqual({
      startedAt: '2026-11-22T03:00:00.000Z',
      seed: 3,
      file: 'baseline/gw.json',
    });
  });

  test('a check that failed now but passed, warned or skipped then is newly failing', () => {
    const previous = variant({ 'schema.created-seconds': 'pass', 'streaming.done-terminator': 'warn', 'params.valid-accepted': 'skip' });
    const comparison = compareRuns(previous, sampleReport(), FILE);
    expect(comparison.newlyFailing).toEqual(['schema.created-seconds', 'streaming.done-terminator', 'params.valid-accepted']);
    expect(comparison.newlyPassing).toEqual([]);
    expect(comparison.changed).toEqual([
      { id: 'schema.created-seconds', from: 'pass', to: 'fail' },
      { id: 'streaming.done-terminator', from: 'warn', to: 'fail' },
      { id: 'params.valid-accepted', from: 'skip', to: 'fail' },
    ]);
  });

  test('a check that failed then and passes now is newly passing; fail → warn is only a change', () => {
    const previous = variant({ 'usage.totals-add-up': 'fail', 'errors.param-named': 'fail' });
    const comparison = compareRuns(previous, sampleReport(), FILE);
    expect(comparison.newlyPassing).toEqual(['usage.totals-add-up']);
    expect(comparison.newlyFailing).toEqual([]);
    expect(comparison.changed).toEqual([
      { id: 'usage.totals-add-up', from: 'fail', to: 'pass' },
      { id: 'errors.param-named', from: 'fail', to: 'warn' },
    ]);
  });

  test('a check absent from one side counts as not run there, which matters only next to a failure', () => {
    // Added since the earlier run (and failing), and one the current tool no longer has (passing then: not news).
    const previous = variant({ 'schema.created-seconds': undefined });
    previous.checks.push({ ...previous.checks[0]!, id: 'schema.retired-rule', verdict: 'pass' });
    const comparison = compareRuns(previous, sampleReport(), FILE);
    expect(comparison.newlyFailing).toEqual(['schema.created-seconds']);
    expect(comparison.changed).toEqual([{ id: 'schema.created-seconds', from: 'not-run', to: 'fail' }]);
  });

  test('a check that failed then and was not run now is a change, not a fix', () => {
    const current = variant({ 'streaming.done-terminator': 'not-run' });
    const comparison = compareRuns(sampleReport(), current, FILE);
    expect(comparison.newlyPassing).toEqual([]);
    expect(comparison.changed).toEqual([{ id: 'streaming.done-terminator', from: 'fail', to: 'not-run' }]);
  });
});

describe('sameSubject', () => {
  test('same target, model and profile; depth and seed may differ', () => {
    expect(sameSubject(sampleReport(), variant({}, { depth: 'smoke', seed: 9 }))).toBe(true);
    expect(sameSubject(sampleReport(), variant({}, { target: 'https://other.example/v1' }))).toBe(false);
    expect(sameSubject(sampleReport(), variant({}, { model: 'other-model' }))).toBe(false);
    expect(sameSubject(sampleReport(), variant({}, { profile: 'strict' }))).toBe(false);
  });

  test('two embedded runs match although the reference listened on different ports', () => {
    const a = variant({}, { embedded: true, target: 'http://127.0.0.1:40001/v1', model: 'reference-chat' });
    const b = variant({}, { embedded: true, target: 'http://127.0.0.1:40002/v1', model: 'reference-chat' });
    expect(sameSubject(a, b)).toBe(true);
    expect(sameSubject(a, { ...b, embedded: false })).toBe(false);
  });
});

describe('parseBaseline', () => {
  test('reads a written report.json back as the run it describes', () => {
    const parsed = parseBaseline(renderJson(sampleReport()));
    if ('problem' in parsed) throw new Error(parsed.problem);
    expect(compareRuns(parsed.run, sampleReport(), FILE).changed).toEqual([]);
    expect(parsed.run.checks).toHaveLength(sampleReport().checks.length);
  });

  test('names what is wrong with anything else', () => {
    const json = JSON.parse(renderJson(sampleReport())) as Record<string, unknown>;
    const problem = (value: unknown): string | undefined => {
      const parsed = parseBaseline(typeof value === 'string' ? value : JSON.stringify(value));
      return 'problem' in parsed ? parsed.problem : undefined;
    };
    expect(problem('<html>')).toBe('is not JSON');
    expect(problem({ testsuites: [] })).toBe('is not a chat-conformance report.json');
    expect(problem({ ...json, schemaVersion: 2 })).toBe('has report schema version 2; this tool reads version 1');
    expect(problem({ ...json, schemaVersion: undefined })).toBe('has no schemaVersion; this tool reads version 1');
    expect(problem({ ...json, startedAt: 'yesterday' })).toMatch(/^lacks the run facts/);
    expect(problem({ ...json, checks: {} })).toMatch(/^lacks the run facts/);
    expect(problem({ ...json, checks: [{ id: 'schema.response-valid', verdict: 'maybe' }] })).toBe(
      'has a check without an id or a known verdict',
    );
  });
});
