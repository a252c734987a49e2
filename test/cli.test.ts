/**
 * The command line as a user meets it: bad input gets one `error:` line and exit 2; a run against a served
 * reference exits 0, against a fault exits 1 naming the check, and always leaves a report behind.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningReference, startReference } from '../src/reference/server.ts';
import { closedPort } from './support/ports.ts';

const CLI = new URL('../bin/chat-conformance.js', import.meta.url).pathname;
const KEY = 'sk-cli-test-secret-0123456789';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], options: { env?: Record<string, string>; killAfterMs?: number } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, CONFORMANCE_API_KEY: KEY, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (options.killAfterMs) setTimeout(() => child.kill('SIGINT'), options.killAfterMs);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const oneErrorLine = (r: Result) => {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

// Each case is a separate short-lived process; running them side by side keeps the file quick.
describe.concurrent('invocation errors: one line, exit 2', () => {
  test.each([
    ['a malformed URL', ['run', '--target=not a url']],
    ['a non-http URL', ['run', '--target=ftp://example.com/v1']],
    ['an unknown flag', ['run', '--frobnicate']],
    ['a bad profile', ['run', '--profile=paranoid']],
    ['a bad depth', ['--depth=bottomless']],
    ['an unknown area', ['run', '--only=vibes']],
    ['a malformed header', ['run', '--header=nocolon']],
    ['--path without --seed', ['run', '--path=1:2']],
    ['an unknown command', ['frobnicate']],
    ['a bad serve port', ['serve', '--port=abc']],
    ['a missing baseline', ['run', '--baseline=/nonexistent/report.json']],
    ['a mistyped check id', ['run', '--only=usage.chunk-presnt']],
    ['a selection that leaves nothing', ['run', '--only=usage', '--skip=usage']],
    ['a report folder that is a file', ['run', `--report-dir=${CLI}`]],
    ['a target with a query string', ['run', '--target=http://127.0.0.1:9/v1?api-version=1']],
    ['--path without --only', ['run', '--seed=1', '--path=0']],
    ['the proxy area in a plain run', ['run', '--only=proxy']],
    ['a proxy run without a target', ['proxy']],
    ['both proxy set-ups at once', ['proxy', '--target=http://127.0.0.1:9/v1', '--upstream=http://127.0.0.1:9/v1', '--upstream-port=8090']],
    ['a provider fault for the reference proxy', ['serve', '--upstream=http://127.0.0.1:9/v1', '--fault=no-done']],
  ])('%s', async (_title, args) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    oneErrorLine(result);
  });

  test('a proxy run without any key', async () => {
    const result = await cli(['proxy', '--target=http://127.0.0.1:9/v1'], { env: { CONFORMANCE_API_KEY: '' } });
    expect(result.code).toBe(2);
    oneErrorLine(result);
  });

  test('an unreachable target', async () => {
    const result = await cli(['run', `--target=http://127.0.0.1:${await closedPort()}/v1`, '--model=m']);
    expect(result.code).toBe(2);
    oneErrorLine(result);
    expect(result.stderr).toMatch(/cannot reach/);
  });
});

describe('runs against a served reference', () => {
  let reference: RunningReference;
  let reportDir: string;
  beforeAll(async () => {
    reference = await startReference({ port: 0, apiKey: KEY, gapMs: 2 });
    reportDir = await mkdtemp(join(tmpdir(), 'cc-cli-'));
  });
  afterAll(async () => {
    await reference.close();
  });

  test('a 401 on a plain request is an unusable target', async () => {
    const result = await cli(['run', `--target=${reference.url}`, '--model=reference-chat'], {
      env: { CONFORMANCE_API_KEY: 'sk-wrong' },
    });
    expect(result.code).toBe(2);
    oneErrorLine(result);
  });

  test('a wrong base path or an unserved model is an unusable target, not a pile of failures', async () => {
    for (const args of [
      [`--target=${reference.url.replace(/\/v1$/, '')}`, '--model=reference-chat'],
      [`--target=${reference.url}`, '--model=no-such-model'],
    ]) {
      const result = await cli(['run', ...args]);
      expect(result.code, result.stderr).toBe(2);
      oneErrorLine(result);
      expect(result.stderr).toMatch(/HTTP 404/);
    }
  });

  test('a clean target exits 0, picks the model from /models, and writes every report file', async () => {
    const result = await cli([
      'run',
      `--target=${reference.url}/chat/completions`,
      '--depth=smoke',
      `--report-dir=${reportDir}`,
      '--seed=5',
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toMatch(/using model reference-chat/);
    for (const file of ['report.json', 'junit.xml', 'summary.md', 'report.html']) {
      const text = await readFile(join(reportDir, 'latest', file), 'utf8');
      expect(text.length, file).toBeGreaterThan(0);
      expect(text, file).not.toContain(KEY);
    }
    const report = JSON.parse(await readFile(join(reportDir, 'latest', 'report.json'), 'utf8'));
    expect(report.complete).toBe(true);
    expect(report.budget.requests).toBeLessThanOrEqual(20);
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  test('a faulty target exits 1 and names the broken check with a reproduction line', async () => {
    const target = reference.url.replace(/\/v1$/, '/fault/no-done/v1');
    const result = await cli(['run', `--target=${target}`, '--model=reference-chat', '--only=streaming', `--report-dir=${reportDir}`]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('streaming.done-terminator');
    expect(result.stdout).toMatch(/curl /);
    expect(result.stdout).toContain('$CONFORMANCE_API_KEY');
    expect(result.stdout + result.stderr).not.toContain(KEY);
  });

  test('a stream that differs from the non-stream answer is a warning, and a failure with --deterministic', async () => {
    const target = reference.url.replace(/\/v1$/, '/fault/stream-differs/v1');
    const args = ['run', `--target=${target}`, '--model=reference-chat', '--only=streaming.matches-nonstream', `--report-dir=${reportDir}`];
    const unknown = await cli(args);
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(0);
    expect(unknown.stdout).toMatch(/1 warning/);
    const deterministic = await cli([...args, '--deterministic']);
    expect(deterministic.code, deterministic.stdout + deterministic.stderr).toBe(1);
    expect(deterministic.stdout).toContain('✗ streaming.matches-nonstream');
  });

  test('Ctrl-C in the middle of a run still writes the report, marked incomplete, and exits 130', async () => {
    // As slow as a real model, so the interrupt lands while requests are out.
    const slow = await startReference({ port: 0, apiKey: KEY, ttftMs: 400, gapMs: 40 });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'cc-mid-'));
      const result = await cli(['run', `--target=${slow.url}`, '--model=reference-chat', '--seed=3', `--report-dir=${dir}`], {
        killAfterMs: 2500,
      });
      expect(result.code, result.stdout + result.stderr).toBe(130);
      const report = JSON.parse(await readFile(join(dir, 'latest', 'report.json'), 'utf8'));
      expect(report.complete).toBe(false);
      expect(report.exitCode).toBe(130);
      expect(report.exchanges.length).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  test('an interrupted run still writes its report, marked incomplete', async () => {
    const target = reference.url.replace(/\/v1$/, '/fault/stall/v1');
    const dir = await mkdtemp(join(tmpdir(), 'cc-int-'));
    const result = await cli(
      ['run', `--target=${target}`, '--model=reference-chat', '--only=transport', '--timeout-ms=30000', `--report-dir=${dir}`],
      { killAfterMs: 4000 },
    );
    expect(result.code).not.toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'latest', 'report.json'), 'utf8'));
    expect(report.complete).toBe(false);
    expect(report.incompleteReason).toMatch(/interrupted/);
  });
});

/** Starts `serve` in the background and resolves with its base URL once it prints it. */
function background(args: string[]): Promise<{ url: string; stop(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ url: line.trim(), stop: () => child.kill('SIGTERM') });
    });
    child.on('close', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

describe('the README example: the reference proxy in front of the instrumented upstream', () => {
  let upstreamPort: number;
  let proxy: { url: string; stop(): void };
  let reportDir: string;
  beforeAll(async () => {
    upstreamPort = await closedPort();
    proxy = await background(['serve', '--port=0', `--upstream=http://127.0.0.1:${upstreamPort}/v1`]);
    reportDir = await mkdtemp(join(tmpdir(), 'cc-proxy-'));
  });
  afterAll(() => proxy.stop());

  test('the faithful proxy passes (exit 0) and its report shows the proxy area and the request fields', async () => {
    const result = await cli([
      'proxy',
      `--target=${proxy.url}`,
      `--upstream-port=${upstreamPort}`,
      '--seed=4',
      `--report-dir=${reportDir}`,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stderr).toContain(`instrumented upstream at http://127.0.0.1:${upstreamPort}/v1`);
    const report = JSON.parse(await readFile(join(reportDir, 'latest', 'report.json'), 'utf8'));
    expect(report.budget.requests).toBeLessThanOrEqual(150);
    expect(report.checks.filter((c: { area: string; verdict: string }) => c.area === 'proxy' && c.verdict === 'pass')).toHaveLength(8);
    expect(report.proxy.mode).toBe('instrumented');
    expect(report.proxy.fields.some((f: { field: string }) => f.field === 'separate_reasoning')).toBe(true);
    const summary = await readFile(join(reportDir, 'latest', 'summary.md'), 'utf8');
    expect(summary).toContain('### Request fields: sent by the client, received by the upstream');
    expect(await readFile(join(reportDir, 'latest', 'junit.xml'), 'utf8')).toMatch(/<testsuite name="proxy"[\s\S]*<system-out>Proxy run/);
    expect(result.stdout + result.stderr + summary).not.toContain(KEY);
  });

  test('a proxy fault fails its check (exit 1)', async () => {
    const target = proxy.url.replace(/\/v1$/, '/fault/done-after-cut/v1');
    const result = await cli([
      'proxy',
      `--target=${target}`,
      `--upstream-port=${upstreamPort}`,
      '--only=proxy',
      `--report-dir=${reportDir}`,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(1);
    expect(result.stdout).toContain('✗ proxy.honest-truncation');
  });

  test('a target that is not the proxy in front of the upstream is an unusable target (exit 2)', async () => {
    const direct = await startReference({ port: 0, apiKey: KEY });
    try {
      const result = await cli(['proxy', `--target=${direct.url}`, `--upstream-port=${await closedPort()}`, '--model=reference-chat']);
      expect(result.code, result.stderr).toBe(2);
      // A note says where the upstream listened; then the one error line, and no stack.
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^error: .*did not forward the preflight request/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await direct.close();
    }
  });
});
