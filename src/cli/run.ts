/**
 * `chat-conformance run`: resolve the run, check the target is usable, run the conformance suites under vitest,
 * merge their results, write the reports and print the findings. Exit 0 clean, 1 failures, 2 unusable invocation,
 * 130 interrupted (the report is still written, marked incomplete).
 */
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest } from 'vitest/node';
import { checks, isSelected } from '../checks/registry.ts';
import { compareRuns, parseBaseline, sameSubject, type RunVerdicts } from '../engine/compare.ts';
import type { RunConfig } from '../engine/config.ts';
import { mergeReport } from '../engine/merge.ts';
import { readParts, type PlanPart } from '../engine/parts.ts';
import { RUN_ENV, type SuiteRun } from '../engine/vitest-suite.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import { renderTerminal } from '../report/terminal.ts';
import { LATEST_DIR, writeReports } from '../report/write.ts';
import { startReference, type RunningReference } from '../reference/server.ts';
import { ToolError } from './errors.ts';
import { parseRunArgs, type ParsedRun } from './options.ts';
import { preflight } from './preflight.ts';
import { RUN_USAGE } from './usage.ts';
import { toolVersion } from './version.ts';
import { AREAS } from '../core/vocabulary.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Key variable used for the embedded reference, so a real provider's key in the environment is never sent to it. */
const EMBEDDED_KEY_ENV = 'CONFORMANCE_EMBEDDED_KEY';
const EMBEDDED_MODEL = 'reference-chat';
/** Gap between the embedded reference's events: small, but enough for the incremental-delivery check to judge. */
const EMBEDDED_GAP_MS = 2;
/** After an interrupt, how long a plan waiting on a slow target may take before the workers are stopped outright. */
const INTERRUPT_GRACE_MS = 2000;

const note = (line: string) => process.stderr.write(`${line}\n`);

interface Interruption {
  signal: AbortSignal;
  reason(): string | undefined;
}

/** Ctrl-C and SIGTERM abort the run instead of killing the process, so the report can still be written. */
function trapSignals(): Interruption & { release(): void } {
  const controller = new AbortController();
  let reason: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (reason) return;
    reason = `interrupted by ${signal}`;
    note(`\n${signal}: stopping; the report will be marked incomplete`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    reason: () => reason,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args, process.env);
  if (parsed.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const color = parsed.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']);
  await assertWritable(parsed.config.reportDir);
  // Read before anything is spent, and before this run replaces latest/.
  const baseline = await readBaseline(parsed.baseline, parsed.config.reportDir);
  const interruption = trapSignals();
  let reference: RunningReference | undefined;
  try {
    let config: RunConfig;
    let preflightRequests = 0;
    if (parsed.config.target === undefined) {
      reference = await startReference({ port: 0, apiKey: embeddedKey(), gapMs: EMBEDDED_GAP_MS, seed: parsed.config.seed });
      config = { ...parsed.config, target: reference.url, embedded: true, deterministic: true, model: parsed.config.model ?? EMBEDDED_MODEL, apiKeyEnv: EMBEDDED_KEY_ENV };
      note(`no --target: running against the embedded reference provider at ${reference.url}`);
    } else {
      const checked = await checkTarget(parsed, parsed.config.target, interruption.signal);
      config = { ...parsed.config, target: parsed.config.target, embedded: false, model: checked?.model ?? parsed.config.model ?? '(not resolved)' };
      preflightRequests = checked?.requests ?? 0;
    }
    return await conformanceRun(config, preflightRequests, { color, verbose: parsed.verbose }, interruption, baseline);
  } finally {
    interruption.release();
    await reference?.close();
  }
}

/** An unusable report folder is an invocation error, found before any request is spent. */
async function assertWritable(dir: string): Promise<void> {
  try {
    // One level at a time: a recursive mkdir can spin forever below some virtual file systems (/proc).
    const missing: string[] = [];
    for (let at = resolve(dir); !existsSync(at); at = dirname(at)) missing.unshift(at);
    for (const level of missing) await mkdir(level);
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String(error.code) : 'not writable';
    throw new ToolError('CC_BAD_FLAG', `--report-dir ${dir} cannot be written (${why})`);
  }
}

function embeddedKey(): string {
  const key = `sk-embedded-${randomBytes(12).toString('hex')}`;
  process.env[EMBEDDED_KEY_ENV] = key;
  return key;
}

async function checkTarget(parsed: ParsedRun, target: string, signal: AbortSignal) {
  const apiKey = process.env[parsed.config.apiKeyEnv];
  if (!apiKey) note(`note: $${parsed.config.apiKeyEnv} is not set; requests carry no Authorization header`);
  return preflight({
    target,
    ...(apiKey ? { apiKey } : {}),
    headers: parsed.config.headers,
    limits: parsed.config.limits,
    ...(parsed.config.model ? { model: parsed.config.model } : {}),
    apiKeyEnv: parsed.config.apiKeyEnv,
    note,
    signal,
  });
}

interface Baseline {
  run: RunVerdicts;
  /** Where it was read, relative when under the working directory. */
  file: string;
  /** Named by --baseline (always compared), rather than found in the report folder (compared when it matches). */
  explicit: boolean;
}

const READ_PROBLEMS: Record<string, string> = { ENOENT: 'does not exist', EISDIR: 'is a folder, not a report.json' };

/** --baseline must name a usable report.json; the previous run in the report folder is used only when it is one. */
async function readBaseline(named: string | undefined, reportDir: string): Promise<Baseline | undefined> {
  const path = named ?? join(reportDir, LATEST_DIR, 'report.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (named === undefined) return undefined;
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new ToolError('CC_BAD_FLAG', `--baseline ${named} ${READ_PROBLEMS[code] ?? `cannot be read (${code})`}`);
  }
  const parsed = parseBaseline(text);
  if ('problem' in parsed) {
    if (named === undefined) return undefined;
    throw new ToolError('CC_BAD_FLAG', `--baseline ${named} ${parsed.problem}`);
  }
  const absolute = resolve(path);
  const under = relative(process.cwd(), absolute);
  const outside = under === '' || under === '..' || under.startsWith(`..${sep}`) || isAbsolute(under);
  const file = outside ? absolute : under;
  return { run: parsed.run, file, explicit: named !== undefined };
}

async function conformanceRun(
  config: RunConfig,
  preflightRequests: number,
  output: { color: boolean; verbose: boolean },
  interruption: Interruption,
  baseline: Baseline | undefined,
): Promise<number> {
  const areas = AREAS.filter((area) => checks.some((c) => c.area === area && isSelected(c, config.only, config.skip)));
  const startedAt = new Date();
  let parts: PlanPart[] = [];
  let crashes: string[] = [];
  if (!interruption.signal.aborted) {
    note(
      `chat-conformance ${toolVersion()} · target ${config.target} · model ${config.model} · profile ${config.profile} · depth ${config.depth} · seed ${config.seed}`,
    );
    ({ parts, crashes } = await runSuites(config, areas, interruption.signal));
  }
  const reason = interruption.reason() ?? (crashes.length > 0 ? `a suite crashed: ${crashes[0]}` : undefined);
  const report = mergeReport({
    config,
    version: toolVersion(),
    parts,
    areas,
    startedAt,
    endedAt: new Date(),
    preflightRequests,
    ...(reason ? { interruption: reason } : {}),
    signalled: interruption.reason() !== undefined,
  });
  if (baseline && (baseline.explicit || sameSubject(baseline.run, report))) {
    if (!sameSubject(baseline.run, report)) {
      const { target, model, profile } = baseline.run;
      note(`note: the baseline tested ${target}, model ${model}, profile ${profile}; its verdicts are compared anyway`);
    }
    report.comparison = compareRuns(baseline.run, report, baseline.file);
  }
  const secrets = [process.env[config.apiKeyEnv]].filter((s): s is string => Boolean(s));
  const written = await writeReports(report, config.reportDir, { secrets });
  process.stdout.write(`${renderTerminal(report, { color: output.color, verbose: output.verbose, reportsAt: written.runDir, secrets })}\n`);
  for (const crash of crashes) note(`error: ${crash}`);
  return report.exitCode;
}

/** Runs the selected areas' suites under vitest; each writes its plan result as a part. */
async function runSuites(config: RunConfig, areas: readonly string[], signal: AbortSignal): Promise<{ parts: PlanPart[]; crashes: string[] }> {
  const partsDir = await mkdtemp(join(tmpdir(), 'chat-conformance-'));
  const suiteRun: SuiteRun = { config, partsDir };
  process.env[RUN_ENV] = JSON.stringify(suiteRun);
  const reporter = new ProgressReporter((line) => process.stdout.write(`${line}\n`));
  const signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const vitest = await createVitest('test', {
    root: ROOT,
    config: join(ROOT, 'vitest.config.ts'),
    project: ['conformance'],
    watch: false,
    reporters: [reporter],
  });
  // Vitest's logger exits the process on SIGINT/SIGTERM; this run handles them itself, so the report still gets written.
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    for (const listener of process.listeners(name)) if (!signalListeners[name].includes(listener)) process.off(name, listener);
  }
  let forceStop: NodeJS.Timeout | undefined;
  const onAbort = () => {
    void vitest.cancelCurrentRun('keyboard-input');
    forceStop = setTimeout(() => void vitest.close().catch(() => undefined), INTERRUPT_GRACE_MS);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (!signal.aborted) await vitest.start(areas.map((area) => `suites/${area}.test.ts`));
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    clearTimeout(forceStop);
    signal.removeEventListener('abort', onAbort);
    await vitest.close().catch(() => undefined);
  }
  try {
    return { parts: await readParts(partsDir), crashes: reporter.crashes };
  } finally {
    await rm(partsDir, { recursive: true, force: true });
  }
}
