/**
 * vitest global setup of the conformance project: resolves the run from the environment (the same CONFORMANCE_*
 * variables the CLI reads; no target means the embedded reference), runs the engine once for the checks the
 * selected files and `-t` pattern cover, and provides the result to the suites.
 */
import type { TestProject } from 'vitest/node';
import { checks, findCheck, isSelected } from '../checks/registry.ts';
import { AREAS } from '../core/vocabulary.ts';
import { runFacts } from '../engine/assemble.ts';
import { runConformance } from '../engine/run.ts';
import { progressWriter } from '../report/progress.ts';
import { ToolError } from '../run/errors.ts';
import { type ParsedRun, parseRunArgs } from '../run/options.ts';
import { type PreparedTarget, prepareTarget } from '../run/target.ts';
import { toolVersion } from '../run/version.ts';
import { RUN_KEY, suiteFile } from './context.ts';

/** The checks the chosen files and test name pattern cover, as --only would name them (empty: all). */
function chosenChecks(project: TestProject): string[] {
  const paths = project.vitest.state.getPaths().map((p) => p.replaceAll('\\', '/'));
  const areas = AREAS.filter((area) => paths.some((p) => p.endsWith(`/${suiteFile(area)}`)));
  const pattern = project.vitest.config.testNamePattern;
  if (areas.length === AREAS.length && !pattern) return [];
  return checks
    .filter((c) => areas.includes(c.area) && (!pattern || pattern.test(`${suiteFile(c.area)} ${c.area} ${c.id}`)))
    .map((c) => c.id);
}

/** One line, no stack: vitest prints a setup error as it is given. */
function toolFailure(error: unknown): Error {
  const message =
    error instanceof ToolError ? `chat-conformance: ${error.message}` : error instanceof Error ? error.message : String(error);
  const failure = new Error(message);
  failure.stack = message;
  return failure;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let parsed: ParsedRun;
  try {
    parsed = parseRunArgs([], process.env);
  } catch (error) {
    throw toolFailure(error);
  }
  const chosen = chosenChecks(project);
  const { only, skip } = parsed.config;
  // Files and -t narrow what CONFORMANCE_ONLY/SKIP select; a check outside either is not sent for.
  const config =
    chosen.length === 0
      ? parsed.config
      : { ...parsed.config, only: chosen.filter((id) => isSelected(findCheck(id)!, only, skip)), skip: [] };
  // Nothing in common: nothing is sent, and every test reports its check as not run.
  if (chosen.length > 0 && config.only.length === 0) config.skip = [...AREAS];
  const note = (line: string) => process.stderr.write(`${line}\n`);
  const startedAt = new Date();
  let target: PreparedTarget;
  try {
    target = await prepareTarget(config, { env: process.env, note });
  } catch (error) {
    throw toolFailure(error);
  }
  const progress = progressWriter(process.stderr);
  const outcome = await runConformance(target.config, {
    ...(target.apiKey ? { apiKey: target.apiKey } : {}),
    onProgress: (p) => progress.update(p),
  });
  progress.end();
  const facts = runFacts({
    config: target.config,
    version: toolVersion(),
    outcome,
    startedAt,
    endedAt: new Date(),
    preflightRequests: target.preflightRequests,
  });
  project.provide(RUN_KEY, { facts, checks: outcome.checks, reportDir: config.reportDir, apiKeyEnv: target.config.apiKeyEnv });
  return () => target.close();
}
