/**
 * Nightly runs at scale, end to end through the command line (in this process): the documented example matrix
 * (the embedded reference, a fault and a variant) in one command; the same matrix as three shards and a merge,
 * equal in verdicts and counts; the expectations ratchet; a target that is down; and every invocation error as
 * one line and exit 2.
 */
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../src/engine/result.ts';
import { loadConfig } from '../src/matrix/config.ts';
import type { MatrixReport } from '../src/matrix/result.ts';
import { type CliResult, cliInProcess } from './support/cli-in-process.ts';
import { closedPort } from './support/ports.ts';

const EXAMPLE = 'examples/nightly/chat-conformance.config.json';
const CELLS = ['reference', 'no-done', 'crlf'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-matrix-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;
const cellReport = (reports: string, target: string): Promise<RunReport> =>
  readJson(join(reports, 'targets', target, 'reference-chat', 'latest', 'report.json'));
const matrixOf = (reports: string): Promise<MatrixReport> => readJson(join(reports, 'matrix', 'latest', 'report.json'));

/** What a report says about the target, without when, where or how fast. */
function verdictsAndCounts(report: RunReport) {
  return {
    totals: report.totals,
    complete: report.complete,
    exitCode: report.exitCode,
    requests: report.budget.requests,
    exchanges: report.exchanges.length,
    checks: report.checks.map((c) => ({
      id: c.id,
      verdict: c.verdict,
      evaluated: c.evaluated,
      findings: c.findings.map((f) => [f.verdict, f.key, f.occurrences]),
    })),
    expectations: report.expectations,
  };
}

const oneErrorLine = (r: CliResult): void => {
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

describe('the example matrix: embedded reference, fault no-done and variant crlf', () => {
  test('one command runs every cell and writes a report per cell and a matrix report; the known failure is expected, so it exits 0', async () => {
    const reports = join(dir, 'single');
    const result = await cliInProcess(['run', '--config', EXAMPLE, '--report-dir', reports]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const matrix = await matrixOf(reports);
    expect(matrix.cells.map((c) => c.target)).toEqual(CELLS);
    expect(matrix.cells.every((c) => c.outcome?.complete)).toBe(true);
    const noDone = await cellReport(reports, 'no-done');
    // The failure stays listed; the expectations file accepts it.
    expect(noDone.checks.filter((c) => c.verdict === 'fail').map((c) => c.id)).toEqual(['streaming.done-terminator']);
    expect(noDone.expectations).toMatchObject({ expectedFailures: ['streaming.done-terminator'], unexpected: [], progress: [] });
    expect(noDone.exitCode).toBe(0);
    for (const clean of ['reference', 'crlf']) expect((await cellReport(reports, clean)).totals.fail, clean).toBe(0);
    const summary = await readFile(join(reports, 'matrix', 'latest', 'summary.md'), 'utf8');
    expect(summary).toContain('## Expected failures (1)');
    expect(summary).toContain('streaming.done-terminator');
    expect(result.stdout).toMatch(/1 expected failure/);
    const junit = await readFile(join(reports, 'matrix', 'latest', 'junit.xml'), 'utf8');
    expect(junit).toContain('name="no-done/reference-chat · streaming"');
    expect(junit).not.toContain('<failure ');
    const page = join(reports, 'matrix', 'latest', 'report.html');
    const links = [...(await readFile(page, 'utf8')).matchAll(/href="([^"#]+)"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(CELLS.length);
    // From matrix/<run>/ the links reach each cell's run folder; latest/ sits at the same depth.
    for (const link of links) expect(existsSync(join(reports, 'matrix', 'latest', decodeURIComponent(link))), link).toBe(true);
  });

  test('as three shards and a merge, every cell has the same verdicts and counts as the single run', async () => {
    const shards = join(dir, 'shards');
    for (const index of [1, 2, 3]) {
      const shard = await cliInProcess(['run', '--config', EXAMPLE, '--shard', `${index}/3`, '--report-dir', join(shards, `job-${index}`)]);
      expect(shard.code, shard.stderr).toBe(0);
      const own = await readJson<MatrixReport>(join(shards, `job-${index}`, `shard-${index}-of-3`, 'report.json'));
      // Three cells over three machines: one whole cell each.
      expect(own.cells.filter((c) => c.report).map((c) => c.target)).toEqual([CELLS[index - 1]]);
    }
    const merged = join(dir, 'merged');
    const result = await cliInProcess(['merge', shards, '--report-dir', merged]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    for (const target of CELLS) {
      expect(verdictsAndCounts(await cellReport(merged, target)), target).toEqual(
        verdictsAndCounts(await cellReport(join(dir, 'single'), target)),
      );
    }
  });

  test('one cell split over three shards (by area) merges to the same verdicts and counts as one run of it', async () => {
    const shards = join(dir, 'split');
    for (const index of [1, 2, 3]) {
      const shard = await cliInProcess([
        'run',
        '--config',
        EXAMPLE,
        '--only-target',
        'no-done',
        '--shard',
        `${index}/3`,
        '--report-dir',
        shards,
      ]);
      expect(shard.code, shard.stderr).toBe(0);
    }
    const parts = await Promise.all([1, 2, 3].map((i) => readJson<MatrixReport>(join(shards, `shard-${i}-of-3`, 'report.json'))));
    const ran = parts.map((p) => p.cells[0]?.ran ?? []);
    expect(ran.every((areas) => areas.length > 0)).toBe(true);
    expect(ran.flat().sort()).toEqual([...(parts[0]?.cells[0]?.areas ?? [])].sort());
    const merged = join(dir, 'split-merged');
    expect((await cliInProcess(['merge', shards, '--report-dir', merged])).code).toBe(0);
    expect(verdictsAndCounts(await cellReport(merged, 'no-done'))).toEqual(
      verdictsAndCounts(await cellReport(join(dir, 'single'), 'no-done')),
    );
  });

  test('a shard that wrote no report leaves its cells incomplete in the merge, and the merge exits 1', async () => {
    const shards = join(dir, 'shards');
    const partial = join(dir, 'partial');
    const result = await cliInProcess(['merge', join(shards, 'job-1'), join(shards, 'job-3'), '--report-dir', partial]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no report from shard 2\/3/);
    const matrix = await matrixOf(partial);
    expect(matrix.cells.map((c) => c.outcome?.complete)).toEqual([true, false, true]);
    expect(matrix.cells[1]?.outcome?.incompleteReason).toBe('the shard that runs this cell wrote no report');
  });

  test('a merge of reports of another schema version, or of shards that disagree, is one error line', async () => {
    const shards = join(dir, 'shards');
    const stale = join(dir, 'stale');
    await cp(join(shards, 'job-1'), stale, { recursive: true });
    const file = join(stale, 'shard-1-of-3', 'report.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"schemaVersion": 1,', '"schemaVersion": 2,'));
    const versions = await cliInProcess(['merge', stale, join(shards, 'job-2'), '--report-dir', join(dir, 'x')]);
    oneErrorLine(versions);
    expect(versions.stderr).toMatch(/schema version 2; this tool merges version 1/);
    const twice = await cliInProcess([
      'merge',
      join(shards, 'job-1'),
      join(shards, 'job-1', 'shard-1-of-3', 'report.json'),
      join(dir, 'single'),
      '--report-dir',
      join(dir, 'x'),
    ]);
    oneErrorLine(twice);
  });
});

describe('the expectations ratchet', () => {
  let expectations: string;
  beforeAll(async () => {
    expectations = join(dir, 'expectations');
    await cp('examples/nightly/expectations', expectations, { recursive: true });
  });

  test('removing the expected failure makes the fault target exit 1, naming it unexpected', async () => {
    const file = join(expectations, 'no-done.json');
    const data = await readJson<{ models: Record<string, Record<string, unknown>> }>(file);
    delete data.models['reference-chat']?.['streaming.done-terminator'];
    await writeFile(file, JSON.stringify(data));
    const reports = join(dir, 'unexpected');
    const result = await cliInProcess([
      'run',
      '--config',
      EXAMPLE,
      '--only-target',
      'no-done',
      '--expectations',
      expectations,
      '--report-dir',
      reports,
    ]);
    expect(result.code, result.stdout).toBe(1);
    expect((await cellReport(reports, 'no-done')).expectations?.unexpected).toEqual([
      { id: 'streaming.done-terminator', expected: 'unlisted' },
    ]);
    expect(result.stdout).toContain('✗ streaming.done-terminator (not listed)');
  });

  test('a check expected to fail that passes is progress; --update-expectations tightens the file', async () => {
    const file = join(expectations, 'reference.json');
    const data = await readJson<{ models: Record<string, Record<string, { verdict: string }>> }>(file);
    data.models['reference-chat']!['usage.null-elsewhere'] = { verdict: 'fail', since: '2026-11-01', note: 'known' } as never;
    await writeFile(file, JSON.stringify(data));
    const args = [
      'run',
      '--config',
      EXAMPLE,
      '--only-target',
      'reference',
      '--expectations',
      expectations,
      '--report-dir',
      join(dir, 'progress'),
    ];
    const seen = await cliInProcess(args);
    expect(seen.code).toBe(0);
    expect((await cellReport(join(dir, 'progress'), 'reference')).expectations?.progress).toEqual(['usage.null-elsewhere']);
    const tightened = await cliInProcess([...args, '--update-expectations']);
    expect(tightened.code).toBe(0);
    expect(tightened.stderr).toMatch(/tightened .*reference\.json for reference-chat: usage\.null-elsewhere fail → pass/);
    const after = await readJson<{ models: Record<string, Record<string, { verdict: string; since: string }>> }>(file);
    expect(after.models['reference-chat']?.['usage.null-elsewhere']?.verdict).toBe('pass');
  });

  test('a single run takes --expectations FILE too, and --write-expectations creates it', async () => {
    const file = join(dir, 'single-run.json');
    const reports = join(dir, 'single-run');
    const written = await cliInProcess([
      'run',
      '--only=streaming',
      '--seed=4',
      `--report-dir=${reports}`,
      `--expectations=${file}`,
      '--write-expectations',
    ]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toMatch(/wrote \d+ expectations for reference-chat/);
    const judged = await cliInProcess(['run', '--only=streaming', '--seed=4', `--report-dir=${reports}`, `--expectations=${file}`]);
    expect(judged.code).toBe(0);
    expect(judged.stdout).toMatch(/Expectations \(.*single-run\.json\): 0 expected failures · 0 unexpected/);
  });
});

test('a target that is down marks its cells incomplete; the other targets run to the end', async () => {
  const port = await closedPort();
  const config = join(dir, 'down.json');
  await writeFile(
    config,
    JSON.stringify({
      defaults: { depth: 'smoke', timeoutMs: 2000 },
      targets: [
        { name: 'down', baseUrl: `http://127.0.0.1:${port}/v1`, models: ['m'] },
        { name: 'unlisted', baseUrl: `http://127.0.0.1:${port}/v1` },
        { name: 'reference', embedded: true },
      ],
    }),
  );
  const reports = join(dir, 'down');
  const result = await cliInProcess(['run', '--config', config, '--report-dir', reports]);
  expect(result.code).toBe(1);
  const matrix = await matrixOf(reports);
  const outcome = (target: string) => matrix.cells.find((c) => c.target === target)?.outcome;
  expect(outcome('down')).toMatchObject({ complete: false, incompleteReason: expect.stringMatching(/cannot reach/) });
  expect(outcome('unlisted')).toMatchObject({ complete: false, incompleteReason: expect.stringMatching(/cannot reach/) });
  expect(outcome('reference')).toMatchObject({ complete: true, exitCode: 0 });
  expect(result.stdout).toMatch(/2 incomplete/);
});

test('a config can be a TypeScript module whose default export is the same object', async () => {
  const file = join(dir, 'matrix.config.mts');
  await writeFile(
    file,
    "export default { defaults: { depth: 'smoke' }, targets: [{ name: 'ref', embedded: true, models: ['reference-chat'] }] };\n",
  );
  const config = await loadConfig(file, {});
  expect(config.targets).toMatchObject([
    { name: 'ref', endpoint: { kind: 'embedded' }, depth: 'smoke', models: ['reference-chat'], seed: 1 },
  ]);
});

describe('invocation errors: one line, exit 2', () => {
  const write = async (name: string, content: unknown): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };

  test.each([
    [
      'an unknown key',
      { targets: [{ name: 'gw', baseUrl: 'http://127.0.0.1:9/v1', upstrem: 'x' }] },
      /targets\[0\] \("gw"\) has an unknown key "upstrem"/,
    ],
    [
      'a bad depth',
      { targets: [{ name: 'gw', embedded: true, depth: 'bottomless' }] },
      /targets\[0\] \("gw"\)\.depth must be one of smoke, standard, deep/,
    ],
    ['no endpoint', { targets: [{ name: 'gw' }] }, /targets\[0\] \("gw"\) needs exactly one of "baseUrl" and "embedded"/],
    ['an unknown fault', { targets: [{ name: 'gw', embedded: 'fault/no-such' }] }, /targets\[0\] \("gw"\)\.embedded names fault\/no-such/],
    [
      'a bad embedded value',
      { targets: [{ name: 'gw', embedded: 'faulty' }] },
      /targets\[0\] \("gw"\)\.embedded must be true, "fault\/NAME" or "variant\/NAME"/,
    ],
    [
      'a repeated name',
      {
        targets: [
          { name: 'gw', embedded: true },
          { name: 'gw', embedded: true },
        ],
      },
      /targets\[1\] repeats the name "gw"/,
    ],
    [
      'an unknown check',
      { targets: [{ name: 'gw', embedded: true, only: ['usage.nope'] }] },
      /names "usage.nope", which is neither an area nor a check id/,
    ],
    ['not JSON', '{ "targets": [', /is not JSON/],
  ])('a malformed config: %s', async (_title, content, message) => {
    const result = await cliInProcess(['run', '--config', await write(`bad-${_title.replace(/\W+/g, '-')}.json`, content)]);
    oneErrorLine(result);
    expect(result.stderr).toMatch(message);
  });

  test('a key variable that is not set names the target and the variable', async () => {
    const config = await write('key.json', {
      targets: [
        { name: 'reference', embedded: true },
        { name: 'gateway', baseUrl: 'http://127.0.0.1:9/v1', keyEnv: 'CC_TEST_GATEWAY_KEY' },
      ],
    });
    const result = await cliInProcess(['run', '--config', config], { CC_TEST_GATEWAY_KEY: '' });
    oneErrorLine(result);
    expect(result.stderr).toMatch(/targets\[1\] \("gateway"\): \$CC_TEST_GATEWAY_KEY is not set/);
  });

  test.each([
    ['a shard past the count', ['--shard', '3/2']],
    ['a shard of zero', ['--shard', '0/2']],
    ['per-target flags beside --config', ['--target', 'http://127.0.0.1:9/v1']],
    ['an unknown target', ['--only-target', 'nope']],
  ])('%s', async (_title, extra) => {
    oneErrorLine(await cliInProcess(['run', '--config', EXAMPLE, ...extra]));
  });

  test.each([
    ['--shard without --config', ['run', '--shard', '1/2']],
    ['--write-expectations without a file', ['run', '--write-expectations']],
    ['a malformed expectations file', ['run', `--expectations=${EXAMPLE}`]],
    ['merge of a folder without shard reports', ['merge', 'src/matrix']],
    ['history of a folder without runs', ['history', 'src/matrix']],
  ])('%s', async (_title, args) => {
    oneErrorLine(await cliInProcess(args));
  });
});
