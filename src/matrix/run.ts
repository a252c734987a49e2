/**
 * Runs this shard's part of a matrix in one process: the embedded reference started once for every embedded
 * target, models resolved, cells planned, then every part through the same engine as a single run, side by side,
 * under one shared concurrency limit. A target that cannot be used marks its own cells incomplete; the others go on.
 * The result is a shard report with each part's run report embedded, for `mergeShards`.
 */
import { randomBytes } from 'node:crypto';
import { checks } from '../checks/registry.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { ProxySetup } from '../core/upstream.ts';
import { assembleReport, runFacts } from '../engine/assemble.ts';
import { notRun } from '../engine/evaluate.ts';
import type { ModelExpectations } from '../engine/expectations.ts';
import type { RunReport } from '../engine/result.ts';
import { type Progress, type RunOutcome, runConformance } from '../engine/run.ts';
import { createSlotPool, type SlotPool } from '../http/client.ts';
import { type RunningReference, startReference } from '../reference/server.ts';
import { ToolError } from '../run/errors.ts';
import { DEFAULT_REASONING_MODELS, limitsFor } from '../run/options.ts';
import { DEFAULT_UPSTREAM_KEY_ENV, prepareProxy } from '../run/proxy-target.ts';
import {
  EMBEDDED_GAP_MS,
  EMBEDDED_KEY_ENV,
  EMBEDDED_MODEL,
  type PreparedTarget,
  type PrepareOptions,
  prepareTarget,
} from '../run/target.ts';
import type { MatrixConfig, ProxyConfig, TargetConfig } from './config.ts';
import { listModels } from './models.ts';
import { admit, type Cell, cellOf, type Part, partsOf, type Shard } from './plan.ts';
import { type CellRecord, MATRIX_SCHEMA_VERSION, type MatrixReport } from './result.ts';

const MAX_BYTES = 8 * 1024 * 1024;

export interface MatrixRunOptions {
  env: NodeJS.ProcessEnv;
  shard: Shard;
  version: string;
  note(line: string): void;
  signal?: AbortSignal;
  onProgress?(progress: Progress): void;
  /** Expectations of each target, by target name then model (read before anything is sent). */
  expectations?: ReadonlyMap<string, { file: string; models: Record<string, ModelExpectations> }>;
}

export interface ShardRun {
  report: MatrixReport;
  /** Keys the runs used, to be kept out of every written file. */
  secrets: string[];
}

/** One embedded reference per server seed (a seed changes every answer), each serving every behaviour. */
class References {
  private readonly running = new Map<number, Promise<RunningReference>>();
  readonly apiKey = `sk-embedded-${randomBytes(12).toString('hex')}`;

  async urlFor(target: TargetConfig): Promise<string> {
    let reference = this.running.get(target.seed);
    if (!reference) {
      reference = startReference({ port: 0, apiKey: this.apiKey, gapMs: EMBEDDED_GAP_MS, seed: target.seed });
      this.running.set(target.seed, reference);
    }
    const { url } = await reference;
    const behaviour = target.endpoint.kind === 'embedded' ? target.endpoint.behaviour : undefined;
    return behaviour ? url.replace(/\/v1$/, `/${behaviour}/v1`) : url;
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map(async (r) => (await r).close()));
  }
}

/** `concurrency` is the matrix's: a cell may have every shared slot, so its pool must not be smaller. */
function runConfig(target: TargetConfig, url: string, model: string, embedded: boolean, concurrency: number): RunConfig {
  return {
    target: url,
    embedded,
    deterministic: embedded || target.deterministic,
    model,
    reasoningModels: DEFAULT_REASONING_MODELS,
    apiKeyEnv: embedded ? EMBEDDED_KEY_ENV : (target.keyEnv ?? 'CONFORMANCE_API_KEY'),
    profile: target.profile,
    depth: target.depth,
    seed: target.seed,
    concurrency,
    limits: limitsFor(target.timeoutMs, MAX_BYTES),
    only: target.only,
    skip: target.skip,
    headers: target.headers,
    reportDir: '',
  };
}

/** The outcome of a run that never started: every check not run, for the reason given. */
function unrun(reason: string): RunOutcome {
  return {
    checks: checks.map((check) => notRun(check, reason)),
    sent: [],
    boundaries: [],
    planned: 0,
    requests: 0,
    retries: 0,
    tokens: { prompt: 0, completion: 0 },
    incomplete: reason,
  };
}

interface Context {
  options: MatrixRunOptions;
  concurrency: number;
  references: References;
  slots: SlotPool;
  progress: Map<string, Progress>;
  /** The last run holding each instrumented upstream's address: one upstream listens there at a time. */
  upstreamPorts: Map<string, Promise<unknown>>;
}

/** Variables a target's runs may read: only those the config names for it. */
function keyVariables(target: TargetConfig, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const names = [target.keyEnv, target.proxy?.upstreamKeyEnv].filter((n): n is string => n !== undefined);
  return Object.fromEntries(names.map((name) => [name, env[name]]));
}

/** How a target's runs are prepared: as `run` prepares a target, or as `proxy` prepares a proxy under test. */
function preparer(proxy: ProxyConfig | undefined): (config: RunConfig, options: PrepareOptions) => Promise<PreparedTarget> {
  if (!proxy) return prepareTarget;
  const flags = { ...proxy, upstreamKeyEnv: proxy.upstreamKeyEnv ?? DEFAULT_UPSTREAM_KEY_ENV };
  return (config, options) => prepareProxy(config, flags, options);
}

/** Runs `task` once every earlier run using the instrumented upstream's address (if the target has one) is done. */
function holdingUpstream<T>(target: TargetConfig, ctx: Context, task: () => Promise<T>): Promise<T> {
  if (!target.proxy || target.proxy.upstream !== undefined) return task();
  const address = `${target.proxy.upstreamHost}:${target.proxy.upstreamPort}`;
  const run = (ctx.upstreamPorts.get(address) ?? Promise.resolve()).then(task, task);
  ctx.upstreamPorts.set(
    address,
    run.catch(() => undefined),
  );
  return run;
}

async function cellsOf(target: TargetConfig, ctx: Context): Promise<Cell[]> {
  const listed = Array.isArray(target.models) ? target.models : [];
  if (listed.length > 0) return listed.map((model) => cellOf(target, model));
  if (target.endpoint.kind === 'embedded' && Array.isArray(target.models)) return [cellOf(target, EMBEDDED_MODEL)];
  const url = target.endpoint.kind === 'url' ? target.endpoint.url : await ctx.references.urlFor(target);
  const apiKey = target.endpoint.kind === 'embedded' ? ctx.references.apiKey : target.keyEnv ? ctx.options.env[target.keyEnv] : undefined;
  const found = await listModels(
    {
      target: url,
      ...(apiKey ? { apiKey } : {}),
      headers: target.headers,
      limits: limitsFor(target.timeoutMs, MAX_BYTES),
      ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
    },
    Array.isArray(target.models) ? 1 : target.models.limit,
  );
  if ('problem' in found) return [cellOf(target, '(not resolved)', found.problem)];
  return found.models.map((model) => cellOf(target, model));
}

async function runPart(part: Part, ctx: Context): Promise<RunReport> {
  const { cell } = part;
  const { target } = cell;
  const { options } = ctx;
  const startedAt = new Date();
  const embedded = target.endpoint.kind === 'embedded';
  const url = target.endpoint.kind === 'url' ? target.endpoint.url : await ctx.references.urlFor(target);
  let config = runConfig(target, url, cell.model, embedded, ctx.concurrency);
  let apiKey = embedded ? ctx.references.apiKey : undefined;
  let preflightRequests = 0;
  let prepared: PreparedTarget | undefined;
  let outcome: RunOutcome;
  try {
    if (!embedded) {
      prepared = await preparer(target.proxy)(config, {
        env: keyVariables(target, options.env),
        ...(options.signal ? { signal: options.signal } : {}),
        note: (line) => {
          // Only the variables the config names are read (a key meant for another target is never sent here).
          const said = line
            .replace(/^note: \$\S+ is not set; requests straight/, 'note: the proxy names no upstreamKeyEnv; requests straight')
            .replace(/^note: \$\S+ is not set;/, 'note: the target names no keyEnv;');
          options.note(`${cell.key}: ${said.replace(/^note: /, '')}`);
        },
      });
      config = prepared.config;
      apiKey = prepared.apiKey;
      preflightRequests = prepared.preflightRequests;
    }
    outcome = await runConformance(config, {
      ...(apiKey ? { apiKey } : {}),
      ...prepared?.hooks,
      ...(options.signal ? { signal: options.signal } : {}),
      slots: ctx.slots,
      ...(part.whole ? {} : { areas: part.areas }),
      onProgress: (p) => {
        ctx.progress.set(cell.key, p);
        let planned = 0;
        let done = 0;
        for (const each of ctx.progress.values()) {
          planned += each.planned;
          done += each.done;
        }
        options.onProgress?.({ planned, done });
      },
    });
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    // Preflight speaks of flags; a matrix target's key comes from its keyEnv.
    const hint = target.keyEnv ? `; check the key in $${target.keyEnv}` : '; give the target a keyEnv in the config';
    const reason = error.code === 'CC_UNAUTHORIZED' ? error.message.replace(/; set the API key.*$/, hint) : error.message;
    options.note(`${cell.key}: ${reason}; the cell is marked incomplete`);
    outcome = unrun(reason);
  } finally {
    await prepared?.close();
  }
  const interrupted = options.signal?.aborted === true;
  const facts = runFacts({
    config,
    version: options.version,
    outcome,
    startedAt,
    endedAt: new Date(),
    preflightRequests,
    ...(interrupted ? { interruption: 'interrupted' } : {}),
    signalled: interrupted,
  });
  return assembleReport(facts, outcome.checks);
}

/** What a cell tests, the same on every shard (the embedded reference listens on a fresh port each time). */
export const endpointLabel = (target: TargetConfig): string =>
  target.endpoint.kind === 'url' ? target.endpoint.url : `embedded${target.endpoint.behaviour ? `:${target.endpoint.behaviour}` : ''}`;

/** A proxy target's set-up as its runs report it. */
function proxySetup(proxy: ProxyConfig): ProxySetup {
  const upstreamKeyEnv = proxy.upstreamKeyEnv ?? DEFAULT_UPSTREAM_KEY_ENV;
  return proxy.upstream === undefined
    ? { mode: 'instrumented', upstream: `http://${proxy.upstreamHost}:${proxy.upstreamPort}/v1`, upstreamKeyEnv }
    : {
        mode: 'differential',
        upstream: proxy.upstream,
        upstreamKeyEnv,
        ...(proxy.upstreamModel !== undefined ? { upstreamModel: proxy.upstreamModel } : {}),
      };
}

function record(cell: Cell, part: Part | undefined, report: RunReport | undefined, ctx: Context): CellRecord {
  const { target } = cell;
  const out: CellRecord = {
    target: target.name,
    model: cell.model,
    url: endpointLabel(target),
    profile: target.profile,
    depth: target.depth,
    seed: target.seed,
    areas: cell.areas,
    ran: part?.areas ?? [],
  };
  if (target.proxy) out.proxy = proxySetup(target.proxy);
  if (cell.refused) out.refused = cell.refused;
  const expected = ctx.options.expectations?.get(target.name);
  const checks_ = expected?.models[cell.model];
  if (expected && checks_) out.expectations = { file: expected.file, checks: checks_ };
  if (report) out.report = report;
  return out;
}

export async function runShard(config: MatrixConfig, options: MatrixRunOptions): Promise<ShardRun> {
  const startedAt = new Date();
  const ctx: Context = {
    options,
    concurrency: config.concurrency,
    references: new References(),
    slots: createSlotPool(config.concurrency),
    progress: new Map(),
    upstreamPorts: new Map(),
  };
  try {
    const cells = admit((await Promise.all(config.targets.map((t) => cellsOf(t, ctx)))).flat());
    const parts = partsOf(cells, options.shard);
    const reports = await Promise.all(parts.map((part) => holdingUpstream(part.cell.target, ctx, () => runPart(part, ctx))));
    const cellRecords = cells.map((cell) => {
      const at = parts.findIndex((p) => p.cell.key === cell.key);
      return record(cell, parts[at], reports[at], ctx);
    });
    const totals = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
    for (const report of reports) for (const [k, v] of Object.entries(report.totals)) totals[k as keyof typeof totals] += v;
    const interrupted = options.signal?.aborted === true;
    const report: MatrixReport = {
      schemaVersion: MATRIX_SCHEMA_VERSION,
      kind: 'matrix',
      tool: { name: 'chat-conformance', version: options.version },
      config: config.file,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      shard: options.shard,
      complete: reports.every((r) => r.complete) && !cells.some((c) => c.refused),
      exitCode: interrupted ? 130 : reports.some((r) => r.exitCode !== 0) ? 1 : 0,
      totals,
      cells: cellRecords,
    };
    const secrets = [
      ctx.references.apiKey,
      ...config.targets.flatMap((t) => Object.values(keyVariables(t, options.env)).filter((v): v is string => Boolean(v))),
    ];
    return { report, secrets };
  } finally {
    await ctx.references.close();
  }
}
