/**
 * The conformance suites as a vitest user runs them (`npx vitest run --project conformance`, configured through
 * CONFORMANCE_* variables): one test per check, the same verdicts as `chat-conformance run`, reports written by
 * the reporter, and test filters that narrow what is sent.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const CLI = join(ROOT, 'bin/chat-conformance.js');

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [command, ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

interface Report {
  checks: Array<{ id: string; verdict: string }>;
  exchanges: unknown[];
}
const readReport = async (dir: string): Promise<Report> => JSON.parse(await readFile(join(dir, 'latest', 'report.json'), 'utf8')) as Report;
const verdicts = (report: Report) => report.checks.map((c) => `${c.id} ${c.verdict}`);

describe.concurrent('npx vitest run --project conformance', () => {
  test('against the embedded reference: one test per check, the verdicts and exchanges of chat-conformance run', async () => {
    const [viaVitest, viaCli] = [await mkdtemp(join(tmpdir(), 'cc-vitest-')), await mkdtemp(join(tmpdir(), 'cc-cli-'))];
    const [suites, cli] = await Promise.all([
      run(VITEST, ['run', '--project', 'conformance'], { CONFORMANCE_SEED: '9', CONFORMANCE_REPORT_DIR: viaVitest }),
      run(CLI, ['run', '--seed=9', `--report-dir=${viaCli}`], {}),
    ]);
    expect(suites.code, suites.output).toBe(0);
    expect(cli.code, cli.output).toBe(0);
    const [a, b] = await Promise.all([readReport(viaVitest), readReport(viaCli)]);
    expect(verdicts(a)).toEqual(verdicts(b));
    expect(a.exchanges.length).toBe(b.exchanges.length);
    // One test per check: the checks a run judges pass, the ones it leaves out (the proxy area) are skipped.
    const judged = b.checks.filter((c) => c.verdict !== 'not-run').length;
    expect(suites.output).toMatch(
      new RegExp(`Tests\\s+${judged} passed(?: \\| ${b.checks.length - judged} skipped)? \\(${b.checks.length}\\)`),
    );
  });

  test('a file filter and -t narrow the tests and what is sent; the rest is reported as not run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cc-vitest-filter-'));
    const result = await run(VITEST, ['run', 'suites/streaming.test.ts', '-t', 'done-terminator'], {
      CONFORMANCE_SEED: '9',
      CONFORMANCE_REPORT_DIR: dir,
    });
    expect(result.code, result.output).toBe(0);
    const report = await readReport(dir);
    expect(report.checks.filter((c) => c.verdict !== 'not-run').map((c) => c.id)).toEqual(['streaming.done-terminator']);
    // Only the streaming probes that feed that check: a handful, not a whole run.
    expect(report.exchanges.length).toBeGreaterThan(0);
    expect(report.exchanges.length).toBeLessThan(12);
  });
});
