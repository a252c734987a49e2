/**
 * `chat-conformance run`: resolve the run, check the target is usable, run the engine, write the reports and print
 * the findings. Exit 0 clean, 1 failures (or a run that could not finish), 2 unusable invocation, 130 interrupted
 * (the report is still written, marked incomplete).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { assembleReport, runFacts } from '../engine/assemble.ts';
import { compareRuns, parseBaseline, type RunVerdicts, sameSubject } from '../engine/compare.ts';
import type { RunReport } from '../engine/result.ts';
import { runConformance } from '../engine/run.ts';
import { progressWriter } from '../report/progress.ts';
import { renderTerminal } from '../report/terminal.ts';
import { LATEST_DIR, writeReports } from '../report/write.ts';
import { ToolError } from '../run/errors.ts';
import { readExpectationsFile, settleExpectations, writeExpectationsFile } from '../run/expectations-file.ts';
import { type ParsedRun, parseRunArgs } from '../run/options.ts';
import { type PreparedTarget, type PrepareOptions, prepareTarget } from '../run/target.ts';
import { toolVersion } from '../run/version.ts';
import { assertWritable, note, trapSignals } from './run-support.ts';
import { RUN_USAGE } from './usage.ts';

export async function run(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args, process.env);
  if (parsed.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  if (parsed.matrix) return (await import('./run-matrix.ts')).runMatrix(parsed, parsed.matrix);
  return conduct(parsed, prepareTarget);
}

/** Everything after the flags: prepare the target, run, write the reports, print the findings. */
export async function conduct(
  parsed: ParsedRun,
  prepare: (config: ParsedRun['config'], options: PrepareOptions) => Promise<PreparedTarget>,
): Promise<number> {
  const color = parsed.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']);
  await assertWritable(parsed.config.reportDir);
  // Read before anything is spent, and before this run replaces latest/.
  const baseline = await readBaseline(parsed.baseline, parsed.config.reportDir);
  const expectationsFile = parsed.expectations;
  const expected = expectationsFile ? await readExpectationsFile(expectationsFile, parsed.expectationsUpdate === 'write') : undefined;
  const interruption = trapSignals();
  const startedAt = new Date();
  let target: PreparedTarget | undefined;
  try {
    target = await prepare(parsed.config, { env: process.env, signal: interruption.signal, note });
    const { config } = target;
    if (!interruption.signal.aborted) {
      note(
        `chat-conformance ${toolVersion()} · target ${config.target} · model ${config.model} · profile ${config.profile} · depth ${config.depth} · seed ${config.seed}`,
      );
    }
    const progress = progressWriter(process.stderr);
    const outcome = await runConformance(config, {
      ...(target.apiKey ? { apiKey: target.apiKey } : {}),
      ...target.hooks,
      signal: interruption.signal,
      onProgress: (p) => progress.update(p),
    });
    progress.end();
    const signalled = interruption.reason();
    const facts = runFacts({
      config,
      version: toolVersion(),
      outcome,
      startedAt,
      endedAt: new Date(),
      preflightRequests: target.preflightRequests,
      ...(signalled ? { interruption: signalled } : {}),
      signalled: signalled !== undefined,
    });
    const report = assembleReport(facts, outcome.checks);
    compareWithBaseline(report, baseline);
    if (expectationsFile) {
      const settled = settleExpectations(report, parsed.expectationsUpdate, expected, expectationsFile, config.target);
      if (settled.file && parsed.expectationsUpdate) await writeExpectationsFile(expectationsFile, settled.file);
      if (settled.note) note(settled.note);
    }
    const secrets = [target.apiKey, ...(target.secrets ?? [])].filter((s): s is string => Boolean(s));
    const written = await writeReports(report, config.reportDir, { secrets });
    process.stdout.write(`${renderTerminal(report, { color, verbose: parsed.verbose, reportsAt: written.runDir, secrets })}\n`);
    return report.exitCode;
  } finally {
    interruption.release();
    await target?.close();
  }
}

function compareWithBaseline(report: RunReport, baseline: Baseline | undefined): void {
  if (!baseline || !(baseline.explicit || sameSubject(baseline.run, report))) return;
  if (!sameSubject(baseline.run, report)) {
    const { target, model, profile } = baseline.run;
    note(`note: the baseline tested ${target}, model ${model}, profile ${profile}; its verdicts are compared anyway`);
  }
  report.comparison = compareRuns(baseline.run, report, baseline.file);
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
