/**
 * Parameter validation. First the boundary table: every documented range's edges and the values just past them
 * (ε = 0.01 for numbers, 1 for integers), each sent once — a few rows at smoke depth, the primary rows at standard,
 * all rows at deep. Then two properties share what the budget leaves: generated in-range requests must be
 * answered 200 with a schema-valid body, and requests with one rule broken must be refused with 4xx. Every value
 * that should be refused goes on a connection of its own. Judging is the params checks' (their `examine` steers
 * shrinking).
 */
import fc from 'fast-check';
import { chatRequest, type InvalidChatRequest, invalidChatRequest } from '../arbitraries/chat-request.ts';
import { malformedJson } from '../arbitraries/malformed-json.ts';
import { stepOf, validGrid } from '../arbitraries/range-value.ts';
import { limits, type ParamRange, paramRange, paramRanges } from '../contract/ranges.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { BoundaryEvidence, Observation } from '../core/evidence.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe, ProbeIO } from './probe.ts';
import { ask } from './requests.ts';
import { WEATHER_TOOL } from './tools.ts';

/** Every boundary row asks for one token: the answer's status is what matters. */
const ROW_BASE: ChatRequestBody = { messages: ask('Say OK.'), max_tokens: 1 };

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

/**
 * Smoke: three rows. Standard: every value past a bound, and the edges the documents disagree on (the edges every
 * reading accepts are sent together by the valid property's first two cases). Deep: every row.
 */
export function boundaryRowsAt(depth: Depth): BoundaryRowSpec[] {
  const table = boundaryTable();
  if (depth === 'smoke') {
    return SMOKE_ROWS.flatMap((pick) =>
      table.filter((r) => r.param === pick.param && r.bound === pick.bound && r.side === pick.side).slice(0, 1),
    );
  }
  if (depth === 'deep') return table;
  return table.filter((r) => r.tier === 'primary' && (r.side === 'beyond' || r.expected === 'either'));
}

const boundaryProbe: Probe = {
  id: 'params-boundary',
  title: 'the edges of every documented range, and the values just past them',
  from: 'smoke',
  feeds: ['params.boundary-accepted', 'params.boundary-rejected'],
  requests: (depth) => boundaryRowsAt(depth).length,
  run: (io) => Promise.all(boundaryRowsAt(io.config.depth).map((row) => sendRow(io, row))),
};

/** A value past a bound goes on a connection of its own: the refusal it should get stays there. */
async function sendRow(io: ProbeIO, row: BoundaryRowSpec): Promise<BoundaryEvidence> {
  const body = { ...ROW_BASE, ...row.extra, [row.param]: row.value };
  const tags = [row.side, `bound:${row.bound}`, `range:${row.rangeText}`];
  const observation = await io.chat('params-boundary', { invalidBody: body, tags, ...(row.side === 'beyond' ? { connection: true } : {}) });
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

/** How many cases and shrink steps fit `requests` (a request each). */
export function propertyShare(requests: number, depth: Depth): { runs: number; shrinks: number } {
  const cases = Math.floor(requests);
  if (cases <= 0) return { runs: 0, shrinks: 0 };
  const runs = Math.max(1, Math.floor(cases * 0.75));
  return { runs, shrinks: Math.min(SHRINK_CAP[depth], cases - runs) };
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
  const base: ChatRequestBody = { model, messages: ask('Say OK.'), max_tokens: 2, logprobs: true };
  // The ranged fields are named by the spec at run time.
  return [
    { ...base, ...at('lo'), logit_bias: { [BIAS_TOKEN]: logitBiasMin }, stop: 'QZX' },
    { ...base, ...at('hi'), logit_bias: { [BIAS_TOKEN]: logitBiasMax }, stream: true, stream_options: { include_usage: true } },
  ];
}

/**
 * Tried before the generated cases: a value past the documented maximum of temperature (the commonest validation
 * gap), then values no reading can take for their type.
 */
export function invalidExamples(model: string): InvalidChatRequest[] {
  const range = paramRange('temperature');
  const past = (range.maximum ?? range.exclusiveMaximum ?? 0) + 1;
  const base = { model, messages: ask('Say OK.'), max_tokens: 4 };
  return [
    { body: { ...base, temperature: past }, defect: 'out-of-range', param: 'temperature' },
    { body: { ...base, temperature: 'hot' }, defect: 'wrong-type', param: 'temperature' },
    { body: { ...base, n: {} }, defect: 'wrong-type', param: 'n' },
    { body: { ...base, stream: 'yes' }, defect: 'wrong-type', param: 'stream' },
  ];
}

const validProbe: Probe = {
  id: 'params-valid',
  title: 'generated requests within every documented range (property)',
  from: 'smoke',
  feeds: ['params.valid-accepted'],
  requests: () => 1,
  share: 1,
  run: async (io) => [
    await io.property<ChatRequestBody>({
      property: 'params.valid-accepted',
      arbitrary: chatRequest({ model: io.config.model }),
      examples: validEdgeExamples(io.config.model),
      ...propertyShare(io.allowance, io.config.depth),
      send: (body) => io.chat('params-valid', { body, tags: ['valid'] }),
    }),
  ],
};

type InvalidCase = InvalidChatRequest | { raw: string; defect: 'malformed-json' };

function invalidCases(model: string): fc.Arbitrary<InvalidCase> {
  const malformed = malformedJson().map((raw): InvalidCase => ({ raw, defect: 'malformed-json' }));
  return fc.oneof({ arbitrary: invalidChatRequest({ model }), weight: 9 }, { arbitrary: malformed, weight: 1 });
}

const invalidProbe: Probe = {
  id: 'params-invalid',
  title: 'generated requests with one documented rule broken (property)',
  from: 'smoke',
  feeds: ['params.invalid-rejected'],
  requests: () => 1,
  share: 1,
  run: async (io) => [
    await io.property<InvalidCase>({
      property: 'params.invalid-rejected',
      arbitrary: invalidCases(io.config.model),
      examples: invalidExamples(io.config.model),
      ...propertyShare(io.allowance, io.config.depth),
      send: (testCase) => sendInvalid(io, testCase),
    }),
  ],
};

/** Sends one invalid case on a connection of its own; a body without `model` goes out raw so no model is filled in. */
function sendInvalid(io: ProbeIO, testCase: InvalidCase): Promise<Observation> {
  const tags = ['invalid', `defect:${testCase.defect}`];
  if ('raw' in testCase) return io.chat('params-invalid', { rawBody: testCase.raw, tags, connection: true });
  if (testCase.param) tags.push(`param:${testCase.param}`);
  if (testCase.body['stream'] === true) tags.push('stream');
  if ('model' in testCase.body) return io.chat('params-invalid', { invalidBody: testCase.body, tags, connection: true });
  return io.chat('params-invalid', { rawBody: JSON.stringify(testCase.body), tags, connection: true });
}

/** A 1×1 transparent PNG: an image any vision model can read, with nothing to fetch. */
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** Valid requests real clients send beyond plain text: each must be accepted (a conflict or "unsupported" aside). */
export function validShapes(): Array<{ name: string; body: Record<string, unknown>; conflict?: string }> {
  const hello = { messages: ask('Say OK.'), max_tokens: 4 };
  // The image in both documented forms (see the media-url-shape conflict).
  const withImage = (imageUrl: unknown) => [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What colour is this image? One word.' },
        { type: 'image_url', image_url: imageUrl },
      ],
    },
  ];
  return [
    { name: 'text-parts', body: { ...hello, messages: [{ role: 'user', content: [{ type: 'text', text: 'Say OK.' }] }] } },
    { name: 'image-object', body: { ...hello, messages: withImage({ url: PIXEL }) } },
    {
      name: 'image-string',
      body: { ...hello, messages: withImage(PIXEL) },
      conflict: 'media-url-shape',
    },
    {
      name: 'tool-result',
      body: {
        ...hello,
        messages: [
          { role: 'user', content: 'What is the weather in Paris?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          },
          { role: 'tool', tool_call_id: 'call_1', content: '{"temperature": 18}' },
        ],
        tools: [WEATHER_TOOL],
      },
      conflict: 'message-role-tool',
    },
    { name: 'unknown-fields', body: { ...hello, chat_conformance_probe: true, metadata: { source: 'chat-conformance' } } },
    { name: 'text-format', body: { ...hello, response_format: { type: 'text' } } },
    { name: 'stream-options-without-stream', body: { ...hello, stream: false, stream_options: { include_usage: true } } },
  ];
}

const shapesProbe: Probe = {
  id: 'params-valid-shapes',
  title: 'valid requests real clients send: content parts, images, tool results, unknown fields, text format',
  from: 'standard',
  feeds: ['params.valid-accepted'],
  requests: () => validShapes().length,
  run: (io) =>
    Promise.all(
      validShapes().map(({ name, body, conflict }) =>
        io.chat('params-valid-shapes', {
          invalidBody: body,
          tags: ['valid-shape', `shape:${name}`, ...(conflict ? [`conflict:${conflict}`] : [])],
        }),
      ),
    ),
};

/**
 * Values lenient servers take though a reading of the documents refuses them: a number sent as a numeric string,
 * and a message name with a dash (000 says a name "may contain" letters, digits and underscores; OpenAI accepts `-`).
 * Sent apart from the property, so accepting one never hides another counterexample.
 */
const LENIENT_VALUES = [
  { defect: 'numeric-string', param: 'temperature', body: { messages: ask('Say OK.'), max_tokens: 4, temperature: '0.5' } },
  {
    defect: 'dashed-name',
    param: 'messages',
    body: { messages: [{ role: 'user', content: 'Say OK.', name: 'conformance-tester' }], max_tokens: 4 },
  },
] as const;

const lenientValuesProbe: Probe = {
  id: 'params-lenient-values',
  title: 'a numeric string and a dashed message name',
  from: 'standard',
  feeds: ['params.invalid-rejected'],
  requests: () => LENIENT_VALUES.length,
  run: (io) =>
    Promise.all(
      LENIENT_VALUES.map(({ defect, param, body }) =>
        io.chat('params-lenient-values', { invalidBody: body, tags: ['invalid', `defect:${defect}`, `param:${param}`], connection: true }),
      ),
    ),
};

export const paramsPlan: Plan = {
  area: 'params',
  probes: [boundaryProbe, shapesProbe, lenientValuesProbe, validProbe, invalidProbe],
};
