/**
 * Parameter validation. First the boundary table: every documented range's edges and the values just past them
 * (ε = 0.01 for numbers, 1 for integers), each sent once — a few rows at smoke depth, the primary rows at standard,
 * all rows at deep. Then two properties share what the budget leaves: generated in-range requests must be
 * answered 200 with a schema-valid body, and requests with one rule broken must be refused with 4xx (each
 * refusal followed by a normal request that must still succeed).
 */
import fc from 'fast-check';
import { chatRequest, invalidChatRequest, type ChatRequestBody, type InvalidChatRequest } from '../arbitraries/chat-request.ts';
import { malformedJson } from '../arbitraries/malformed-json.ts';
import { stepOf, validGrid } from '../arbitraries/range-value.ts';
import { describeStatus, errorBody, errorText, isSuccess, statusOf } from '../checks/guards.ts';
import { receivedDocumented } from '../checks/outcome.ts';
import { INVALID_PROPERTY, VALID_PROPERTY } from '../checks/params.ts';
import { limits, paramRange, paramRanges, type ParamRange } from '../contract/ranges.ts';
import { validateChunk, validateResponse } from '../contract/validators.ts';
import { AREA_BUDGET } from '../engine/budget.ts';
import type { Plan, Probe, ProbeIO } from '../engine/probe.ts';
import { runProperty, type Examination } from '../engine/property.ts';
import { ask } from './requests.ts';
import { excerpt } from '../core/json.ts';
import type { BoundaryEvidence, Evidence, Observation } from '../core/evidence.ts';
import type { Depth } from '../core/vocabulary.ts';

/** Every boundary row asks for one token: the answer's status is what matters. */
const ROW_BASE = { messages: ask('Say OK.'), max_tokens: 1 };
const HEALTHY = { messages: ask('Say OK.'), max_tokens: 4 };

export interface BoundaryRowSpec {
  param: string;
  value: unknown;
  /** Extra fields the parameter needs to be meaningful (top_logprobs needs logprobs: true). */
  extra: Record<string, unknown>;
  expected: BoundaryEvidence['expected'];
  conflict?: string;
  /** `edge`: on or just inside a bound; `beyond`: just past it. */
  side: 'edge' | 'beyond';
  bound: 'lower' | 'upper';
  /** `primary` rows run from standard depth; `extra` rows (far side of an ambiguous exclusive edge) at deep. */
  tier: 'primary' | 'extra';
  rangeText: string;
}

const round = (value: number): number => Math.round(value * 1e6) / 1e6;

function rangeText(range: ParamRange): string {
  if (range.text) return range.text;
  const low = range.minimum ?? range.exclusiveMinimum;
  const high = range.maximum ?? range.exclusiveMaximum;
  return `${low ?? '-∞'} ${range.exclusiveMinimum !== undefined ? '<' : '<='} x ${range.exclusiveMaximum !== undefined ? '<' : '<='} ${high ?? '∞'}`;
}

/** The two (or three) rows of one side of a range. */
function sideRows(range: ParamRange, bound: 'lower' | 'upper'): BoundaryRowSpec[] {
  const inclusive = bound === 'lower' ? range.minimum : range.maximum;
  const exclusive = bound === 'lower' ? range.exclusiveMinimum : range.exclusiveMaximum;
  const edge = inclusive ?? exclusive;
  if (edge === undefined) return [];
  const outward = (bound === 'lower' ? -1 : 1) * stepOf(range);
  const ambiguous = range.ambiguous.includes(edge);
  const extra = range.param === 'top_logprobs' ? { logprobs: true } : {};
  const base = { param: range.param, extra, bound, rangeText: rangeText(range) } as const;
  const either = (side: 'edge' | 'beyond', value: number): BoundaryRowSpec => ({
    ...base,
    side,
    value,
    expected: 'either',
    ...(range.conflict ? { conflict: range.conflict } : {}),
    tier: 'primary',
  });
  if (inclusive !== undefined) {
    return [
      ambiguous ? either('edge', edge) : { ...base, side: 'edge', value: edge, expected: 'accept', tier: 'primary' },
      { ...base, side: 'beyond', value: round(edge + outward), expected: 'reject', tier: 'primary' },
    ];
  }
  const rows: BoundaryRowSpec[] = [
    { ...base, side: 'edge', value: round(edge - outward), expected: 'accept', tier: 'primary' },
    ambiguous ? either('beyond', edge) : { ...base, side: 'beyond', value: edge, expected: 'reject', tier: 'primary' },
  ];
  if (ambiguous) rows.push({ ...base, side: 'beyond', value: round(edge + outward), expected: 'reject', tier: 'extra' });
  return rows;
}

/** Token id whose bias is probed; any vocabulary has it. */
const BIAS_TOKEN = '15';

/** Rows for the ranges outside `paramRanges()`: logit_bias values and the number of stop sequences. */
function limitRows(): BoundaryRowSpec[] {
  const { logitBiasMin, logitBiasMax, stopMaxItems } = limits();
  const bias = { param: 'logit_bias', extra: {}, tier: 'primary', rangeText: `${logitBiasMin} 到 ${logitBiasMax} 之间` } as const;
  const stops = (count: number) => Array.from({ length: count }, (_, i) => `QZX${i}`);
  const stop = { param: 'stop', extra: {}, tier: 'primary', bound: 'upper', rangeText: `最多 ${stopMaxItems} 个序列` } as const;
  return [
    { ...bias, bound: 'lower', side: 'edge', value: { [BIAS_TOKEN]: logitBiasMin }, expected: 'accept' },
    { ...bias, bound: 'lower', side: 'beyond', value: { [BIAS_TOKEN]: logitBiasMin - 1 }, expected: 'reject' },
    { ...bias, bound: 'upper', side: 'edge', value: { [BIAS_TOKEN]: logitBiasMax }, expected: 'accept' },
    { ...bias, bound: 'upper', side: 'beyond', value: { [BIAS_TOKEN]: logitBiasMax + 1 }, expected: 'reject' },
    // The array form itself is a reading of the documents (conflict stop-array).
    { ...stop, side: 'edge', value: stops(stopMaxItems), expected: 'either', conflict: 'stop-array' },
    { ...stop, side: 'beyond', value: stops(stopMaxItems + 1), expected: 'reject' },
  ];
}

/** The whole boundary table, in spec order. */
export function boundaryTable(): BoundaryRowSpec[] {
  return [...paramRanges().flatMap((range) => [...sideRows(range, 'lower'), ...sideRows(range, 'upper')]), ...limitRows()];
}

/** At smoke depth: one valid edge the over-strict validators get wrong, and two values just past a bound. */
const SMOKE_ROWS: ReadonlyArray<Pick<BoundaryRowSpec, 'param' | 'bound' | 'side'>> = [
  { param: 'top_p', bound: 'upper', side: 'edge' },
  { param: 'temperature', bound: 'upper', side: 'beyond' },
  { param: 'top_logprobs', bound: 'upper', side: 'beyond' },
];

export function boundaryRowsAt(depth: Depth): BoundaryRowSpec[] {
  const table = boundaryTable();
  if (depth === 'smoke') {
    return SMOKE_ROWS.flatMap((pick) =>
      table.filter((r) => r.param === pick.param && r.bound === pick.bound && r.side === pick.side).slice(0, 1),
    );
  }
  return depth === 'deep' ? table : table.filter((r) => r.tier === 'primary');
}

const rowCost = (depth: Depth): number => Math.min(boundaryRowsAt(depth).length, AREA_BUDGET.params[depth]);

const boundaryProbe: Probe = {
  id: 'params-boundary',
  title: 'the edges of every documented range, and the values just past them',
  feeds: ['params.boundary-accepted', 'params.boundary-rejected'],
  cost: rowCost,
  async run(io) {
    const evidence: Evidence[] = [];
    const rows = boundaryRowsAt(io.config.depth);
    // Rows are independent, so they go out a few at a time.
    for (let at = 0; at < rows.length; ) {
      const batch = rows.slice(at, at + Math.min(Math.max(1, io.config.concurrency), io.remainingBudget()));
      if (batch.length === 0) break;
      at += batch.length;
      evidence.push(...(await Promise.all(batch.map((row) => sendRow(io, row)))));
    }
    return evidence;
  },
};

async function sendRow(io: ProbeIO, row: BoundaryRowSpec): Promise<BoundaryEvidence> {
  const body = { ...ROW_BASE, ...row.extra, [row.param]: row.value };
  const tags = [row.side, `bound:${row.bound}`, `range:${row.rangeText}`];
  const observation = await io.chat('params-boundary', { body, tags });
  return {
    kind: 'boundary',
    probe: 'params-boundary',
    tags,
    param: row.param,
    value: row.value,
    expected: row.expected,
    ...(row.conflict ? { conflict: row.conflict } : {}),
    observation,
  };
}

/** Shrink steps allowed per property, by depth. */
const SHRINK_CAP: Record<Depth, number> = { smoke: 3, standard: 10, deep: 25 };

/** How many cases and shrink steps fit `requests`, when each case costs `cost`. */
export function propertyShare(requests: number, cost: number, depth: Depth): { runs: number; shrinks: number } {
  const cases = Math.floor(requests / cost);
  if (cases <= 0) return { runs: 0, shrinks: 0 };
  const runs = Math.max(1, Math.floor(cases * 0.75));
  return { runs, shrinks: Math.min(SHRINK_CAP[depth], cases - runs) };
}

const firstViolation = (validation: ReturnType<typeof validateResponse>): string | undefined =>
  validation.ok ? undefined : validation.violations[0]?.message;

/** 200 and a body (or every chunk) the spec's schema accepts. */
export function examineValid(observation: Observation): Examination {
  const documented = '200 with a schema-valid ChatCompletion (or chunks) for a request within every documented range';
  const status = statusOf(observation);
  if (status !== 200) {
    const why = errorText(observation);
    return { ok: false, message: receivedDocumented(`${describeStatus(observation)}${why ? ` ${excerpt(why, 100)}` : ''}`, documented), observation };
  }
  if (observation.stream) {
    const chunks = observation.stream.chunks;
    if (chunks.length === 0) return { ok: false, message: receivedDocumented('a stream without chunks', documented), observation };
    for (const chunk of chunks) {
      const problem = chunk.parseError ?? firstViolation(validateChunk(chunk.value));
      if (problem) return { ok: false, message: receivedDocumented(`chunk ${chunk.position}: ${problem}`, documented), observation };
    }
    return { ok: true };
  }
  const problem = observation.jsonError ?? firstViolation(validateResponse(observation.json));
  return problem ? { ok: false, message: receivedDocumented(problem, documented), observation } : { ok: true };
}

/** 4xx with the error object; 5xx and 2xx are failures. */
export function examineInvalid(observation: Observation, what: string): Examination {
  const documented = '4xx with {"error":{…}}, never 5xx or 200';
  const status = statusOf(observation) ?? 0;
  if (status >= 400 && status < 500) {
    if (errorBody(observation)) return { ok: true };
    return { ok: false, message: receivedDocumented(`HTTP ${status} without an error object for ${what}`, documented), observation };
  }
  return { ok: false, message: receivedDocumented(`${describeStatus(observation)} for ${what}`, documented), observation };
}

/**
 * Two requests tried before the generated ones: every range at its lowest, then at its highest valid value (n kept
 * cheap). Over-strict validation shows on the first runs, however few the budget allows.
 */
export function validEdgeExamples(model: string): ChatRequestBody[] {
  const { logitBiasMin, logitBiasMax } = limits();
  const at = (side: 'lo' | 'hi'): Record<string, number> =>
    Object.fromEntries(
      paramRanges().map((range) => {
        const grid = validGrid(range, range.param === 'n' ? { max: 2 } : {});
        return [range.param, grid[side] / grid.scale];
      }),
    );
  const base = { model, messages: ask('Say OK.'), max_tokens: 2, logprobs: true };
  return [
    { ...base, ...at('lo'), logit_bias: { [BIAS_TOKEN]: logitBiasMin }, stop: 'QZX' },
    { ...base, ...at('hi'), logit_bias: { [BIAS_TOKEN]: logitBiasMax }, stream: true, stream_options: { include_usage: true } },
  ];
}

/** A value past the documented maximum of temperature: the commonest validation gap, tried first. */
export function invalidExample(model: string): InvalidChatRequest {
  const range = paramRange('temperature');
  const past = (range.maximum ?? range.exclusiveMaximum ?? 0) + 1;
  return { body: { model, ...HEALTHY, temperature: past }, defect: 'out-of-range', param: 'temperature' };
}

const validProbe: Probe = {
  id: 'params-valid',
  title: 'generated requests within every documented range (property)',
  feeds: ['params.valid-accepted'],
  cost: () => 1,
  async run(io) {
    const remaining = io.remainingBudget();
    // Leave the invalid property its half when it will run.
    const share = io.wants('params.invalid-rejected') ? Math.ceil(remaining / 2) : remaining;
    const { runs, shrinks } = propertyShare(share, 1, io.config.depth);
    const evidence = await runProperty<ChatRequestBody>(io, {
      probe: 'params-valid',
      property: VALID_PROPERTY,
      arbitrary: chatRequest({ model: io.config.model }),
      numRuns: runs,
      maxShrinks: shrinks,
      examples: validEdgeExamples(io.config.model),
      examine: async (body) => examineValid(await io.chat('params-valid', { body, tags: ['valid'] })),
    });
    return [evidence];
  },
};

type InvalidCase = InvalidChatRequest | { raw: string; defect: 'malformed-json' };

function invalidCases(model: string): fc.Arbitrary<InvalidCase> {
  const malformed = malformedJson().map((raw): InvalidCase => ({ raw, defect: 'malformed-json' }));
  return fc.oneof({ arbitrary: invalidChatRequest({ model }), weight: 9 }, { arbitrary: malformed, weight: 1 });
}

const invalidProbe: Probe = {
  id: 'params-invalid',
  title: 'generated requests with one documented rule broken (property), each followed by a normal request',
  feeds: ['params.invalid-rejected'],
  cost: () => 2,
  async run(io) {
    const { runs, shrinks } = propertyShare(io.remainingBudget(), 2, io.config.depth);
    const evidence = await runProperty<InvalidCase>(io, {
      probe: 'params-invalid',
      property: INVALID_PROPERTY,
      arbitrary: invalidCases(io.config.model),
      numRuns: runs,
      maxShrinks: shrinks,
      costPerRun: 2,
      examples: [invalidExample(io.config.model)],
      examine: async (testCase) => {
        const what = 'raw' in testCase ? 'a malformed JSON body' : `${testCase.defect}${testCase.param ? ` (${testCase.param})` : ''}`;
        const rejected = await sendInvalid(io, testCase);
        const verdict = examineInvalid(rejected, what);
        const status = statusOf(rejected);
        if (!verdict.ok || status === undefined || status < 400 || io.remainingBudget() === 0) return verdict;
        // A bad parameter that takes the target down is a failure of its own: a normal request must still succeed.
        const after = await io.chat('params-health', { body: HEALTHY, tags: ['health'] });
        const healthy = statusOf(after);
        if (isSuccess(healthy)) return verdict;
        return {
          ok: false,
          message: `after rejecting ${what} (HTTP ${status}), a normal request got ${healthy === undefined ? (after.exchange.error?.code ?? 'no answer') : `HTTP ${healthy}`}`,
          observation: after,
        };
      },
    });
    return [evidence];
  },
};

/** Sends one invalid case; a body without `model` goes out raw so no model is filled in. */
function sendInvalid(io: ProbeIO, testCase: InvalidCase): Promise<Observation> {
  const tags = ['invalid', `defect:${testCase.defect}`];
  if ('raw' in testCase) return io.chat('params-invalid', { rawBody: testCase.raw, tags });
  if (testCase.param) tags.push(`param:${testCase.param}`);
  if (testCase.body['stream'] === true) tags.push('stream');
  if ('model' in testCase.body) return io.chat('params-invalid', { body: testCase.body, tags });
  return io.chat('params-invalid', { rawBody: JSON.stringify(testCase.body), tags });
}

export const paramsPlan: Plan = {
  area: 'params',
  probes: [boundaryProbe, validProbe, invalidProbe],
};
