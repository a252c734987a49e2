/**
 * One conformance run: every selected probe of every area, planned before anything is sent, executed in one
 * process through one client, one request budget, one breaker and one pool of `--concurrency` connections. Probes
 * wait only for what they depend on (the answer a follow-up reads, the first request of a pair); everything else
 * goes out side by side. Exchanges are numbered in plan order, not arrival order, and judging starts only once
 * every probe has finished, so a given seed gives the same report however the target's latency falls.
 */
import { checks, findCheck, isSelected, type RegisteredCheck } from '../checks/registry.ts';
import type { Evidence, Observation, PropertyEvidence } from '../core/evidence.ts';
import type { Exchange } from '../core/exchange.ts';
import { dig, isInteger, isRecord } from '../core/json.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { UpstreamControl } from '../core/upstream.ts';
import type { Area } from '../core/vocabulary.ts';
import { createClient, type HttpClient, type SendOptions, type SlotPool } from '../http/client.ts';
import { plans as allPlans } from '../plans/index.ts';
import type { Plan, ProbeIO, PropertySpec, SendChat } from '../plans/probe.ts';
import { createDataLineCounter } from '../sse/data-lines.ts';
import { type Allotment, type AreaPlan, allot } from './allot.ts';
import { createBreaker } from './breaker.ts';
import { AREA_BUDGET } from './budget.ts';
import { clientFetch } from './client-fetch.ts';
import { boundaryRows, type EvidenceOf, evaluate, notRun } from './evaluate.ts';
import { observe } from './observe.ts';
import { runProperty } from './property.ts';
import { directIO, type Extra, upstreamIO } from './proxied-io.ts';
import { proxyReport } from './proxy-report.ts';
import { canSend, proxyExclusion } from './proxy-selection.ts';
import { replayFetch } from './replay-fetch.ts';
import type { BoundaryRow, CheckResult, ProxyReport } from './result.ts';
import { scrubClientResults } from './scrub.ts';
import { tokensUsed } from './tokens.ts';

export interface Progress {
  /** Requests the plan allows in all. */
  planned: number;
  /** Requests answered (or cut) so far. */
  done: number;
}

export interface RunHooks {
  /** The API key (from the variable the config names). Never stored in results. */
  apiKey?: string;
  /** Ends the run: nothing more is sent, exchanges in flight are cut, and the result is marked incomplete. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Replace the plans (self-tests). */
  plans?: readonly Plan[];
  /** Concurrency shared with other runs in this process (a matrix); default: the config's own. */
  slots?: SlotPool;
  /**
   * Send only the probes of these areas (one part of a run split across machines). Run-scoped checks still judge
   * what this part sent; area-scoped checks of the other areas are left to the parts that send their probes.
   */
  areas?: readonly Area[];
  /** The instrumented upstream behind the proxy under test (`config.proxy.mode` instrumented). */
  upstream?: UpstreamControl;
  /** The upstream's key, for requests sent straight to it (`config.proxy.mode` differential). */
  upstreamKey?: string;
}

/** Why an area-scoped check is not judged in a part of a split run. */
export const JUDGED_ELSEWHERE = 'judged in another part of the split run';

/** An exchange and the one it waited for (the last answer its probe had when it was sent). */
export interface Sent {
  exchange: Exchange;
  after?: Exchange;
}

export interface RunOutcome {
  /** Every registered check, in registry order; `not-run` with the reason for those left out. */
  checks: CheckResult[];
  /** Every exchange sent, numbered in plan order. */
  sent: Sent[];
  boundaries: BoundaryRow[];
  /** What a proxy run saw of the proxy under test, beyond the checks' verdicts. */
  proxy?: ProxyReport;
  /** Requests the plan allots; the run never sends more, retries aside. */
  planned: number;
  requests: number;
  retries: number;
  tokens: { prompt: number; completion: number };
  /** Why the run did not finish, when it did not. */
  incomplete?: string;
}

/** A stream may carry this many times the data events its max_tokens allows before it is cut as runaway. */
const RUNAWAY_FACTOR = 8;
/** Events a stream carries besides its tokens (role, finish and usage chunks, `[DONE]`). */
const RUNAWAY_SLACK = 32;

/** Cuts a stream that keeps going far past what its request allows; undefined when the request sets no limit. */
function runawayGuard(body: Record<string, unknown> | undefined): SendOptions['stopWhen'] {
  if (dig(body, 'stream') !== true) return undefined;
  const limit = dig(body, 'max_completion_tokens') ?? dig(body, 'max_tokens');
  if (!isInteger(limit) || limit < 0) return undefined;
  const n = dig(body, 'n');
  const choices = isInteger(n) && n > 0 ? n : 1;
  const allowed = RUNAWAY_FACTOR * Math.max(limit, 1) * choices + RUNAWAY_SLACK;
  const counter = createDataLineCounter();
  return (bytes) =>
    counter.feed(bytes) > allowed
      ? `the stream carried more than ${allowed} data events for max_tokens ${limit}${choices > 1 ? ` and n ${choices}` : ''} (${RUNAWAY_FACTOR}× what it may carry); reading stopped`
      : undefined;
}

/** A body sent as JSON, parsed (undefined when it is not a JSON object). */
function parsedBody(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = body === undefined ? undefined : JSON.parse(body);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The record of a request that was not sent (budget spent, or the run stopped sending). */
function unsent(label: string, target: string, code: 'budget-exhausted' | 'aborted', message: string): Exchange {
  return {
    id: 0,
    label,
    request: { method: 'POST', url: `${target}/chat/completions`, headers: {} },
    reads: [],
    timings: { totalMs: 0, gapsMs: [] },
    error: { code, message },
    retries: [],
    unsent: true,
  };
}

/** Marks a connection opened for one request, closed as soon as it is answered. */
const ONE_OFF = '#one-off';

interface Ordered extends Sent {
  /** Plan position: allotment index, then the order the probe issued its requests. */
  order: [number, number];
}

interface Shared {
  config: RunConfig;
  /** Ids of the checks the run judges. */
  wanted: ReadonlySet<string>;
  client: HttpClient;
  /** Straight to the upstream, in a differential proxy run. */
  direct?: HttpClient;
  upstream?: UpstreamControl;
  apiKey?: string;
  breaker: ReturnType<typeof createBreaker>;
  signal: AbortSignal;
  record(entry: Ordered): void;
  done(): void;
}

/** The ProbeIO of one allotment: its own allowance, its own connections, its requests in issue order. */
function probeIO(shared: Shared, allotment: Allotment, index: number, connections: Set<string>): ProbeIO {
  const { config, client, breaker } = shared;
  const { probe } = allotment;
  let spent = 0;
  let issued = 0;
  let lastAnswered: Exchange | undefined;
  let chainDepth = 0;
  let oneOff = 0;

  const send = async (
    options: SendOptions,
    meta: { tags: readonly string[]; sent?: Record<string, unknown> },
    via: HttpClient = client,
  ): Promise<Observation> => {
    const order: [number, number] = [index, issued++];
    const meta_ = { probe: options.label, tags: meta.tags, ...(meta.sent ? { sent: meta.sent } : {}) };
    if (spent >= allotment.allowance) {
      const budget = `the allowance of probe ${probe.id} (${allotment.allowance} requests) is used up; nothing was sent`;
      return observe(unsent(options.label, config.target, 'budget-exhausted', budget), meta_);
    }
    const stopped = breaker.tripped() ?? (shared.signal.aborted ? 'the run was interrupted' : undefined);
    if (stopped) return observe(unsent(options.label, config.target, 'aborted', `not sent: ${stopped}`), meta_);
    spent += 1;
    const after = lastAnswered;
    const depth = after ? chainDepth + 1 : 0;
    if (options.connection !== undefined) connections.add(options.connection);
    const exchange = await via.send({ ...options, priority: depth });
    if (options.connection?.endsWith(ONE_OFF)) {
      connections.delete(options.connection);
      await via.release(options.connection);
    }
    if (!exchange.unsent) shared.record({ exchange, order, ...(after ? { after } : {}) });
    shared.done();
    lastAnswered = exchange;
    chainDepth = Math.max(chainDepth, depth);
    return observe(exchange, meta_);
  };

  const connectionOf = (option: string | true | undefined): { connection?: string } => {
    const name = option === true ? `${oneOff++}${ONE_OFF}` : option;
    return name === undefined ? {} : { connection: `${probe.id}/${name}` };
  };

  const chat = (
    label: string,
    request: SendChat,
    extra: Extra = {},
    via: HttpClient = client,
    model = config.model,
  ): Promise<Observation> => {
    const connection = connectionOf(request.connection);
    const common = {
      label,
      method: 'POST' as const,
      path: '/chat/completions',
      auth: request.auth ?? { kind: 'default' as const },
      ...(request.headers ? { headers: request.headers } : {}),
      ...connection,
      ...extra,
    };
    const tags = request.tags ?? [];
    if ('rawBody' in request) return send({ ...common, body: request.rawBody }, { tags }, via);
    const source: Record<string, unknown> = 'body' in request ? request.body : request.invalidBody;
    const body: Record<string, unknown> = { model, ...source };
    const withStream = body['stream'] === true && !tags.includes('stream') ? [...tags, 'stream'] : tags;
    const stopWhen = runawayGuard(body);
    return send({ ...common, body: JSON.stringify(body), ...(stopWhen ? { stopWhen } : {}) }, { tags: withStream, sent: body }, via);
  };

  const proxied: Pick<ProbeIO, 'upstream' | 'direct'> = {};
  if (shared.upstream) {
    const keys = { ...(shared.apiKey ? { client: shared.apiKey } : {}), upstream: shared.upstream.apiKey };
    proxied.upstream = upstreamIO(shared.upstream, keys, probe.id, config.limits, (label, request, extra) => chat(label, request, extra));
  }
  const { direct } = shared;
  if (direct) {
    const model = config.proxy?.upstreamModel ?? config.model;
    proxied.direct = directIO(
      (label, request, extra) => chat(label, request, extra),
      (label, request) => chat(label, request, {}, direct, model),
    );
  }

  return {
    config,
    deterministic: config.deterministic,
    allowance: allotment.allowance,
    wants: (id) => shared.wanted.has(id),
    chat: (label, request) => chat(label, request),
    fetcher: (label, options = {}) =>
      clientFetch({
        target: config.target,
        reserved: new Set(Object.keys(config.headers).map((name) => name.toLowerCase())),
        keepReading: options.keepReading === true,
        send: ({ body, ...call }) => {
          const sent = parsedBody(body);
          const stopWhen = runawayGuard(sent);
          const request = { ...call, label, auth: options.auth ?? { kind: 'default' as const }, ...connectionOf(options.connection) };
          const withBody = body === undefined ? request : { ...request, body, ...(stopWhen ? { stopWhen } : {}) };
          return send(withBody, { tags: options.tags ?? [], ...(sent ? { sent } : {}) });
        },
      }),
    replay: replayFetch,
    get: (label, path) => send({ label, method: 'GET', path, auth: { kind: 'default' } }, { tags: [] }),
    property: <T>(spec: PropertySpec<T>): Promise<PropertyEvidence> => {
      const check = findCheck(spec.property);
      if (!check?.examine) throw new Error(`${spec.property} is not a property check`);
      const examine = check.examine.bind(check);
      return runProperty(spec, {
        probe: probe.id,
        seed: config.seed,
        ...(config.replayPath !== undefined ? { replayPath: config.replayPath } : {}),
        remaining: () => allotment.allowance - spent,
        examine,
      });
    },
    ...proxied,
  };
}

/** Checks --only/--skip and the run's set-up select, and why each other one is left out. */
function selectedChecks(config: RunConfig, plans: readonly Plan[]): { selected: RegisteredCheck[]; excluded: Map<string, string> } {
  const excluded = new Map<string, string>();
  const selected = checks.filter((check) => {
    const unfit = proxyExclusion(check, config, plans);
    if (unfit) {
      excluded.set(check.id, unfit);
      return false;
    }
    if (!isSelected(check, config.only, config.skip)) {
      const areaRuns = checks.some((c) => c.area === check.area && isSelected(c, config.only, config.skip));
      excluded.set(check.id, areaRuns ? 'not selected (--only/--skip)' : 'area not selected');
      return false;
    }
    return true;
  });
  return { selected, excluded };
}

export async function runConformance(config: RunConfig, hooks: RunHooks = {}): Promise<RunOutcome> {
  if (config.proxy?.mode === 'instrumented' && !hooks.upstream) throw new Error('an instrumented proxy run needs the upstream it drives');
  const sendable = (hooks.plans ?? allPlans).map((plan) => ({ ...plan, probes: plan.probes.filter((p) => canSend(p, config.proxy)) }));
  const { selected: chosen, excluded } = selectedChecks(config, sendable);
  const { areas } = hooks;
  const plans = sendable.filter((plan) => !areas || areas.includes(plan.area));
  const noKey = !config.embedded && !hooks.apiKey;
  const selected = noKey ? chosen.filter((c) => c.area !== 'auth') : chosen;
  const areaPlans = allot(plans, selected, config.depth);
  const planned = areaPlans.reduce((n, a) => n + a.allotments.reduce((m, x) => m + x.allowance, 0), 0);
  const limit = areaPlans.reduce((n, a) => n + AREA_BUDGET[a.plan.area][config.depth], 0);

  if (hooks.signal?.aborted) {
    const checks_ = checks.map((check) => notRun(check, excluded.get(check.id) ?? 'interrupted before anything was sent'));
    return {
      checks: checks_,
      sent: [],
      boundaries: [],
      planned,
      requests: 0,
      retries: 0,
      tokens: { prompt: 0, completion: 0 },
      incomplete: 'interrupted',
    };
  }
  const breaker = createBreaker();
  const signal = hooks.signal ? AbortSignal.any([hooks.signal, breaker.signal]) : breaker.signal;
  const client = createClient({
    baseUrl: config.target,
    ...(hooks.apiKey ? { apiKey: hooks.apiKey } : {}),
    headers: config.headers,
    limits: config.limits,
    concurrency: config.concurrency,
    ...(hooks.slots ? { slots: hooks.slots } : {}),
    requestBudget: limit,
    signal,
    onExchange: (exchange) => breaker.observe(exchange),
  });
  const direct =
    config.proxy?.mode === 'differential'
      ? createClient({
          baseUrl: config.proxy.upstream,
          ...(hooks.upstreamKey ? { apiKey: hooks.upstreamKey } : {}),
          // --header is for the proxy (routing, its own credentials): none of it goes to the upstream.
          headers: {},
          limits: config.limits,
          concurrency: config.concurrency,
          requestBudget: limit,
          signal,
          onExchange: (exchange) => breaker.observe(exchange),
        })
      : undefined;
  const entries: Ordered[] = [];
  let done = 0;
  const shared: Shared = {
    config,
    wanted: new Set(selected.map((c) => c.id)),
    client,
    ...(direct ? { direct } : {}),
    ...(hooks.upstream ? { upstream: hooks.upstream } : {}),
    ...(hooks.apiKey ? { apiKey: hooks.apiKey } : {}),
    breaker,
    signal,
    record: (entry) => entries.push(entry),
    done: () => hooks.onProgress?.({ planned, done: ++done }),
  };

  const allotments = areaPlans.flatMap((a) => a.allotments);
  const crashes: string[] = [];
  const evidenceByProbe = await Promise.all(
    allotments.map(async (allotment, index): Promise<Evidence[]> => {
      const connections = new Set<string>();
      try {
        return scrubClientResults(await allotment.probe.run(probeIO(shared, allotment, index, connections)), client.redact.bind(client));
      } catch (error) {
        crashes.push(`probe ${allotment.probe.id} stopped: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      } finally {
        await Promise.all([...connections].map((key) => client.release(key)));
      }
    }),
  );
  await client.close();
  await direct?.close();

  entries.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  entries.forEach((entry, i) => {
    entry.exchange.id = i + 1;
  });

  const interrupted = hooks.signal?.aborted ? 'interrupted' : undefined;
  const incomplete = interrupted ?? breaker.tripped() ?? crashes[0];
  const evidence: EvidenceOf[] = allotments.map((a, i) => ({ area: a.plan.area, items: evidenceByProbe[i] ?? [] }));
  const results = checks.map((check) => {
    const reason = excluded.get(check.id);
    if (reason) return notRun(check, reason);
    if (areas && check.scope !== 'run' && !areas.includes(check.area)) return notRun(check, JUDGED_ELSEWHERE);
    if (noKey && check.area === 'auth') {
      return {
        ...notRun(check, ''),
        verdict: 'skip' as const,
        skipReason: `no API key is configured ($${config.apiKeyEnv} is not set), so authentication cannot be judged`,
      };
    }
    return evaluate(check, evidence, config, incomplete ?? whyNoEvidence(check.id, areaPlans));
  });
  const allEvidence = evidence.flatMap((e) => e.items);
  const outcome: RunOutcome = {
    checks: results,
    sent: entries.map(({ exchange, after }) => ({ exchange, ...(after ? { after } : {}) })),
    boundaries: boundaryRows(allEvidence, selected, config),
    planned,
    requests: client.stats().requests + (direct?.stats().requests ?? 0),
    retries: client.stats().retries + (direct?.stats().retries ?? 0),
    tokens: tokensUsed(allEvidence),
  };
  const proxy = proxyReport(config, allEvidence);
  if (proxy) outcome.proxy = proxy;
  if (incomplete) outcome.incomplete = incomplete;
  return outcome;
}

function whyNoEvidence(id: string, areaPlans: readonly AreaPlan[]): string {
  const left = areaPlans.flatMap((a) => a.left).find((l) => l.probe.feeds.some((fed) => fed === id));
  return left?.reason ?? 'no evidence: the probes feeding this check did not run';
}
