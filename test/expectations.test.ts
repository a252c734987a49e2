/** The expectations ratchet as pure functions: judging, recording, tightening, and reading a file. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import {
  applyExpectations,
  judgeExpectations,
  type ModelExpectations,
  parseExpectations,
  recordExpectations,
  renderExpectations,
  tightenExpectations,
} from '../src/engine/expectations.ts';
import type { RunReport } from '../src/engine/result.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderJson } from '../src/report/json.ts';
import schema from '../src/report/schema.json' with { type: 'json' };
import { renderSummary } from '../src/report/summary.ts';
import { renderTerminal } from '../src/report/terminal.ts';
import { sampleReport } from './fixtures/report-sample.ts';

const e = (verdict: 'pass' | 'fail' | 'warn' | 'skip'): ModelExpectations[string] => ({ verdict, since: '2026-11-01' });

describe('judging a run', () => {
  const checks = [
    { id: 'a', verdict: 'fail' as const },
    { id: 'b', verdict: 'fail' as const },
    { id: 'c', verdict: 'fail' as const },
    { id: 'd', verdict: 'pass' as const },
    { id: 'e', verdict: 'warn' as const },
    { id: 'f', verdict: 'skip' as const },
  ];

  test('expected failures are listed, failures expected otherwise or unlisted are unexpected, better verdicts are progress', () => {
    const outcome = judgeExpectations(checks, { a: e('fail'), b: e('pass'), d: e('fail'), e: e('fail'), f: e('fail') }, 'x.json');
    expect(outcome).toEqual({
      file: 'x.json',
      expectedFailures: ['a'],
      unexpected: [
        { id: 'b', expected: 'pass' },
        { id: 'c', expected: 'unlisted' },
      ],
      // A skip is no evidence that the failure is gone.
      progress: ['d', 'e'],
    });
  });

  test('the exit code follows unexpected failures only; an incomplete run still exits 1, an interrupted one 130', () => {
    const failing = (): RunReport => {
      const report = sampleReport();
      report.checks = report.checks.map((c) => ({ ...c, verdict: c.id === 'schema.response-valid' ? 'fail' : 'pass' }));
      report.exitCode = 1;
      return report;
    };
    const accepted = failing();
    applyExpectations(accepted, { 'schema.response-valid': e('fail') }, 'x.json');
    expect(accepted.exitCode).toBe(accepted.complete ? 0 : 1);
    const complete = { ...failing(), complete: true };
    delete complete.incompleteReason;
    applyExpectations(complete, { 'schema.response-valid': e('fail') }, 'x.json');
    expect(complete.exitCode).toBe(0);
    const regressed = { ...failing(), complete: true };
    applyExpectations(regressed, { 'schema.response-valid': e('pass') }, 'x.json');
    expect(regressed.exitCode).toBe(1);
    const interrupted = { ...failing(), complete: false, incompleteReason: 'interrupted by SIGINT' };
    applyExpectations(interrupted, { 'schema.response-valid': e('fail') }, 'x.json');
    expect(interrupted.exitCode).toBe(130);
  });
});

describe('recording and tightening', () => {
  const report = (): RunReport => {
    const r = sampleReport();
    r.startedAt = '2026-11-23T03:00:00.000Z';
    return r;
  };

  test('a record lists every judged check with the run day; unchanged entries keep their date and note', () => {
    const r = report();
    const first = r.checks.find((c) => c.verdict === 'fail')!;
    const recorded = recordExpectations(r, { [first.id]: { verdict: 'fail', since: '2026-10-01', note: 'vendor ticket 12' } });
    expect(recorded[first.id]).toEqual({ verdict: 'fail', since: '2026-10-01', note: 'vendor ticket 12' });
    const judged = r.checks.filter((c) => c.verdict !== 'not-run');
    expect(Object.keys(recorded).sort()).toEqual(judged.map((c) => c.id).sort());
    const other = judged.find((c) => c.id !== first.id && c.verdict === 'fail');
    if (other) expect(recorded[other.id]).toMatchObject({ verdict: 'fail', since: '2026-11-23', note: expect.any(String) });
  });

  test('tightening takes progress and new non-failing checks, and never loosens', () => {
    const r = report();
    const passing = r.checks.find((c) => c.verdict === 'pass')!;
    const failing = r.checks.find((c) => c.verdict === 'fail')!;
    const { expectations, tightened } = tightenExpectations(r, { [passing.id]: e('fail'), [failing.id]: e('pass') });
    expect(tightened).toEqual([passing.id]);
    expect(expectations[passing.id]).toMatchObject({ verdict: 'pass', since: '2026-11-23' });
    expect(expectations[failing.id]).toEqual(e('pass'));
  });

  test('a file reads back as written; a bad entry is named', () => {
    const file = { target: 'gw', models: { m: { a: e('fail'), b: { verdict: 'pass' as const, since: '2026-11-02', note: 'n' } } } };
    expect(parseExpectations(renderExpectations(file))).toEqual({ file });
    expect(parseExpectations('{"target":"gw","models":{"m":{"a":{"verdict":"flaky","since":"2026-11-01"}}}}')).toEqual({
      problem: 'has models["m"]["a"] without a verdict (pass, fail, warn or skip)',
    });
    expect(parseExpectations('[]')).toMatchObject({ problem: expect.stringMatching(/not an expectations file/) });
  });
});

test('a judged report validates against schema.json, and every digest lists expected, unexpected and progress', () => {
  const report = sampleReport();
  const failing = report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
  const passing = report.checks.find((c) => c.verdict === 'pass')!.id;
  const [known, ...others] = failing;
  applyExpectations(
    report,
    { [known!]: e('fail'), [passing]: e('fail'), ...Object.fromEntries(others.map((id) => [id, e('pass')])) },
    'expectations/gw.json',
  );
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  expect(validate(JSON.parse(renderJson(report))), JSON.stringify(validate.errors)).toBe(true);
  const terminal = renderTerminal(report, { color: false });
  expect(terminal).toContain(`Expectations (expectations/gw.json): 1 expected failure (${known})`);
  for (const text of [renderSummary(report), renderHtml(report)]) {
    expect(text).toContain('Against expectations');
    expect(text).toContain(passing);
    for (const id of others) expect(text).toContain(id);
  }
});
