/**
 * `chat-conformance run`: resolve the run, check the target is usable, run the conformance suites under vitest,
 * merge their results, write the reports and print the findings. Exit 0 clean, 1 failures, 2 unusable invocation.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest } from 'vitest/node';
import { AREAS, type Area } from '../checks/types.ts';
import { checks, isSelected } from '../checks/registry.ts';
import type { RunConfig } from '../engine/config.ts';
import { mergeReport } from '../engine/merge.ts';
import { readParts } from '../engine/parts.ts';
import { RUN_ENV, type SuiteRun } from '../engine/vitest-suite.ts';
import { ProgressReporter } from '../report/progress-reporter.ts';
import { renderTerminal } from '../report/terminal.ts';
import { writeReports } from '../report/write.ts';
import { startReference, type RunningReference } from '../reference/server.ts';
import { parseRunArgs } from './options.ts';
import { preflight } from './preflight.ts';
import { RUN_USAGE } from './usage.ts';
import { toolVersion } from './version.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** Key variable used for the embedded reference, so a real provider's key in the environment is never sent to it. */
const EMBEDDED_KEY_ENV = 'CONFORMANCE_EMBEDDED_KEY';
const EMBEDDED_MODEL = 'reference-chat';
/** Gap between the embedded reference's events: small, but enough for the incremental-delivery check to judge. */
const EMBEDDED_GAP_MS = 2;
export const EXIT_INTERRUPTED = 130;
const INTERRUPT_GRACE_MS = 2000;

const note = (line: string) => process.stderr.write(`${line}\n`);

export async function run(args: string[]): Promise<number> {
  const parsed = parseRunArgs(args, process.env);
  if (parsed.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const color = parsed.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']);
  let reference: RunningReference | undefined;
  let preflightRequests = 0;
  let config: RunConfig;
  if (parsed.config.target === undefined) {
    const key = `sk-embedded-${randomBytes(12).toString('hex')}`;
    reference = await startReference({ port: 0, apiKey: key, gapMs: EMBEDDED_GAP_MS, seed: parsed.config.seed });
    process.env[EMBEDDED_KEY_ENV] = key;
    config = { ...parsed.config, target: reference.url, embedded: true, model: parsed.config.model ?? EMBEDDED_MODEL, apiKeyEnv: EMBEDDED_KEY_ENV };
    note(`no --target: running against the embedded reference provider at ${reference.url}`);
  } else {
    const apiKey = process.env[parsed.config.apiKeyEnv];
    if (!apiKey) note(`note: $${parsed.config.apiKeyEnv} is not set; requests carry no Authorization header`);
    const checked = await preflight({
      target: parsed.config.target,
      ...(apiKey ? { apiKey } : {}),
      headers: parsed.config.headers,
      limits: parsed.config.limits,
      ...(parsed.config.model ? { model: parsed.config.model } : {}),
      apiKeyEnv: parsed.config.apiKeyEnv,
      note,
    });
    preflightRequests = checked.requests;
    config = { ...parsed.config, target: parsed.config.target, embedded: false, model: checked.model };
  }

  try {
    return await conformanceRun(config, preflightRequests, color);
  } finally {
    await reference?.close();
  }
}

async function conformanceRun(config: RunConfig, preflightRequests: number, color: boolean): Promise<number> {
  const areas = AREAS.filter((area) => checks.some((c) => c.area === area && isSelected(c, config.only, config.skip)));
  const partsDir = await mkdtemp(join(tmpdir(), 'chat-conformance-'));
  const suiteRun: SuiteRun = { config, partsDir };
  process.env[RUN_ENV] = JSON.stringify(suiteRun);
  note(
    `chat-conformance ${toolVersion()} · target ${config.target} · model ${config.model} · profile ${config.profile} · depth ${config.depth} · seed ${config.seed}`,
  );

  const startedAt = new Date();
  const reporter = new ProgressReporter((line) => process.stdout.write(`${line}\n`));
  const vitest = await createVitest(
    'test',
    {
      root: ROOT,
      config: join(ROOT, 'vitest.config.ts'),
      project: ['conformance'],
      watch: false,
      reporters: [reporter],
    },
    {},
    {},
  );
  let interruption: string | undefined;
  let forceStop: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interruption = `interrupted by ${signal}`;
    note(`\n${signal}: stopping; the report will be marked incomplete`);
    void vitest.cancelCurrentRun('keyboard-input');
    // A plan may be waiting on a slow target; give it a moment, then stop the workers outright.
    forceStop = setTimeout(() => void vitest.close().catch(() => undefined), INTERRUPT_GRACE_MS);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await vitest.start(areas.map((area: Area) => `suites/${area}.test.ts`));
  } catch (error) {
    if (!interruption) throw error;
  } finally {
    clearTimeout(forceStop);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await vitest.close().catch(() => undefined);
  }
  if (reporter.crashes.length > 0) interruption ??= `a suite crashed: ${reporter.crashes[0]}`;

  const report = mergeReport({
    config,
    version: toolVersion(),
    parts: await readParts(partsDir),
    areas,
    startedAt,
    endedAt: new Date(),
    preflightRequests,
    ...(interruption ? { interruption } : {}),
  });
  await rm(partsDir, { recursive: true, force: true });
  const secrets = [process.env[config.apiKeyEnv]].filter((s): s is string => Boolean(s));
  const written = await writeReports(report, config.reportDir, { secrets });
  process.stdout.write(`${renderTerminal(report, { color, reportsAt: written.runDir, secrets })}\n`);
  for (const crash of reporter.crashes) note(`error: ${crash}`);
  if (interruption && report.exitCode === 0) return reporter.crashes.length > 0 ? 1 : EXIT_INTERRUPTED;
  return report.exitCode;
}
