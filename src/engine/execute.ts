/**
 * Runs one area's plan against a target: sends the probes' requests through the bounded client, evaluates the
 * area's selected checks on every piece of evidence, and returns the plan's result as data.
 */
import { checksOf, isSelected } from '../checks/registry.ts';
import type { Check, CheckContext } from '../checks/types.ts';
import { createClient, type HttpClient, type SendOptions } from '../http/client.ts';
import { createBreaker, type Breaker } from './breaker.ts';
import { AREA_BUDGET } from './budget.ts';
import type { RunConfig } from './config.ts';
import { findingRecord, mergeFinding } from './findings.ts';
import { observe } from './observe.ts';
import type { Plan, ProbeIO, SendChat } from './probe.ts';
import type { BoundaryRow, CheckResult, FindingRecord, PlanResult } from './result.ts';
import { combineVerdicts, resolveOutcome } from './verdict.ts';
import { tokensUsed } from './tokens.ts';
import type { Evidence, Observation, Outcome } from '../core/evidence.ts';
import type { Exchange } from '../core/exchange.ts';

export interface ExecuteOptions {
  /** The API key (from the environment variable the config names). Never stored in results. */
  apiKey?: string;
  /** Ends in-flight requests; the plan result is then marked incomplete. */
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Replace the HTTP client (self-tests). */
  client?: HttpClient;
  /** Shared with the run's other plans, so one unresponsive target stops them all. */
  breaker?: Breaker;
}

export async function executePlan(plan: Plan, config: RunConfig, options: ExecuteOptions = {}): Promise<PlanResult> {
  const areaChecks = checksOf(plan.area);
  const selected = areaChecks.filter((c) => isSelected(c, config.only, config.skip));
  const budget = AREA_BUDGET[plan.area][config.depth];
  const client =
    options.client ??
    createClient({
      baseUrl: config.target,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      headers: config.headers,
      limits: config.limits,
      concurrency: config.concurrency,
      requestBudget: budget,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const exchanges: Exchange[] = [];
  const evidence: Evidence[] = [];
  const skippedProbes: string[] = [];
  let incomplete: string | undefined;

  const breaker = options.breaker ?? createBreaker();
  const io = probeIO(config, client, breaker, exchanges, budget, selected, options.onProgress);
  for (const probe of plan.probes) {
    if (options.signal?.aborted) {
      incomplete = 'interrupted';
      break;
    }
    if (!probe.feeds.some((id) => io.wants(id))) continue;
    if (probe.cost(config.depth) > io.remainingBudget()) {
      skippedProbes.push(`${probe.id}: request budget (${budget} at depth ${config.depth}) left too little`);
      continue;
    }
    try {
      evidence.push(...(await probe.run(io)));
    } catch (error) {
      incomplete = `probe ${probe.id} stopped: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  if (!options.client) await client.close();
  incomplete ??= breaker.tripped();

  const ctx: CheckContext = { profile: config.profile, model: config.model };
  const results = areaChecks.map((check) =>
    selected.includes(check) ? evaluate(check, evidence, ctx, config, skippedProbes) : notRun(check),
  );
  const result: PlanResult = {
    area: plan.area,
    checks: results,
    exchanges,
    requests: client.stats().requests,
    retries: exchanges.reduce((n, e) => n + e.retries.length, 0),
    tokens: tokensUsed(evidence),
    boundaries: boundaryRows(evidence, selected, ctx),
  };
  if (incomplete) result.incomplete = incomplete;
  return result;
}

function probeIO(
  config: RunConfig,
  client: HttpClient,
  breaker: Breaker,
  exchanges: Exchange[],
  budget: number,
  selected: readonly Check[],
  onProgress: ((message: string) => void) | undefined,
): ProbeIO {
  const send = async (options: SendOptions): Promise<Exchange> => {
    const reason = breaker.tripped();
    if (reason) return unsent(options, config.target, reason);
    const exchange = await client.send(options);
    breaker.observe(exchange);
    exchanges.push(exchange);
    return exchange;
  };
  return {
    config,
    deterministic: config.deterministic,
    wants: (id) => selected.some((c) => c.id === id),
    remainingBudget: () => Math.max(0, budget - client.stats().requests),
    progress: (message) => onProgress?.(message),
    async chat(label: string, request: SendChat): Promise<Observation> {
      const body = request.body ? { model: config.model, ...request.body } : undefined;
      const exchange = await send({
          label,
          method: 'POST',
          path: '/chat/completions',
          body: request.rawBody ?? JSON.stringify(body ?? {}),
          auth: request.auth ?? { kind: 'default' },
          ...(request.headers ? { headers: request.headers } : {}),
      });
      return observe(exchange, { probe: label, tags: request.tags ?? [], ...(body ? { sent: body } : {}) });
    },
    async get(label: string, path: string): Promise<Observation> {
      const exchange = await send({ label, method: 'GET', path, auth: { kind: 'default' } });
      return observe(exchange, { probe: label });
    },
  };
}

/** The record of a request the breaker kept from being sent. */
function unsent(options: SendOptions, target: string, reason: string): Exchange {
  return {
    id: 0,
    label: options.label,
    request: { method: options.method, url: `${target}${options.path}`, headers: {}, ...(options.body ? { body: options.body } : {}) },
    reads: [],
    timings: { totalMs: 0, gapsMs: [] },
    error: { code: 'aborted', message: `not sent: ${reason}` },
    retries: [],
  };
}

function evaluate(
  check: Check,
  evidence: readonly Evidence[],
  ctx: CheckContext,
  config: RunConfig,
  skippedProbes: readonly string[],
): CheckResult {
  const verdicts: CheckResult['verdict'][] = [];
  const findings: FindingRecord[] = [];
  let skipReason: string | undefined;
  let evaluated = 0;
  for (const item of evidence) {
    for (const outcome of safeRun(check, item, ctx)) {
      evaluated += 1;
      const verdict = resolveOutcome(outcome, config.profile);
      verdicts.push(verdict);
      if (outcome.verdict === 'skip') skipReason ??= outcome.reason;
      if ('finding' in outcome) mergeFinding(findings, findingRecord(check.id, outcome.finding, verdict as FindingRecord['verdict'], item, config));
    }
  }
  const verdict = combineVerdicts(verdicts.filter((v): v is Exclude<typeof v, 'not-run'> => v !== 'not-run'));
  const result: CheckResult = { ...describe(check), verdict, findings, evaluated };
  if (verdict === 'skip') {
    result.skipReason = skipReason ?? skippedProbes[0] ?? 'no evidence: the probes feeding this check did not run';
  }
  return result;
}

/** A bug in a check must not crash the run or pass silently: it becomes a visible failure of that check. */
function safeRun(check: Check, evidence: Evidence, ctx: CheckContext): Outcome[] {
  try {
    return check.run(evidence, ctx);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [{ verdict: 'fail', finding: { verdict: 'fail', key: 'check-error', message: `check raised an error: ${message}` } }];
  }
}

const describe = (check: Check) => ({
  id: check.id,
  area: check.area,
  severity: check.severity,
  rule: check.rule,
  source: check.source,
});

function notRun(check: Check): CheckResult {
  return { ...describe(check), verdict: 'not-run', findings: [], skipReason: 'not selected (--only/--skip)', evaluated: 0 };
}

function boundaryRows(evidence: readonly Evidence[], selected: readonly Check[], ctx: CheckContext): BoundaryRow[] {
  const boundaryChecks = selected.filter((c) => c.id.startsWith('params.boundary-'));
  return evidence.flatMap((item): BoundaryRow[] => {
    if (item.kind !== 'boundary') return [];
    const verdicts = boundaryChecks.flatMap((c) => safeRun(c, item, ctx)).map((o) => resolveOutcome(o, ctx.profile));
    const worst = combineVerdicts(verdicts);
    const { exchange } = item.observation;
    const row: BoundaryRow = {
      param: item.param,
      value: JSON.stringify(item.value) ?? String(item.value),
      expected: item.expected,
      got: exchange.response ? String(exchange.response.status) : (exchange.error?.code ?? 'no response'),
      verdict: worst,
    };
    if (item.conflict) row.conflict = item.conflict;
    return [row];
  });
}
