/**
 * Parameter validation: property runs over generated requests, and the boundary table of every documented range.
 * Boundary rows are tagged `edge` (a value on or just inside a documented bound) or `beyond` (just past it),
 * plus `range:<documented text>` for messages.
 */
import { validateChunk, validateResponse, type Validation } from '../contract/validators.ts';
import type { BoundaryEvidence, Observation, Outcome, PropertyEvidence } from '../core/evidence.ts';
import { excerpt } from '../core/json.ts';
import { describeStatus, errorBody, errorText, isSuccess, statusOf, tagValue, transportSkip, unsupportedSkip } from './guards.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck, type Examination } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

export const VALID_PROPERTY = 'params.valid-accepted';
export const INVALID_PROPERTY = 'params.invalid-rejected';

const firstViolation = (validation: Validation): string | undefined => (validation.ok ? undefined : validation.violations[0]?.message);

/** A case nothing can be concluded from: no answer (the transport checks report it), or a rate limit. */
function unjudgeable(observation: Observation): Examination | undefined {
  const status = statusOf(observation);
  if (status === undefined) return { ok: 'unjudged', reason: `no answer (${observation.exchange.error?.code ?? 'nothing received'})` };
  if (status === 429 || status === 503) return { ok: 'unjudged', reason: `rate-limited (HTTP ${status})` };
  return undefined;
}

/** One in-range case: 200 and a body (or every chunk) the spec's schema accepts. */
function examineValid(observation: Observation): Examination {
  const unjudged = unjudgeable(observation);
  if (unjudged) return unjudged;
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

/** What an invalid case broke, from its tags: `out-of-range (temperature)`, `a malformed JSON body`. */
function caseName(observation: Observation): string {
  const defect = tagValue(observation, 'defect') ?? 'an invalid value';
  if (defect === 'malformed-json') return 'a malformed JSON body';
  const param = tagValue(observation, 'param');
  return param ? `${defect} (${param})` : defect;
}

/** One case with a rule broken: 4xx with the error object; 5xx and 2xx are failures. */
function examineInvalid(observation: Observation): Examination {
  const unjudged = unjudgeable(observation);
  if (unjudged) return unjudged;
  const documented = '4xx with {"error":{…}}, never 5xx or 200';
  const what = caseName(observation);
  const status = statusOf(observation) ?? 0;
  if (status >= 400 && status < 500) {
    if (errorBody(observation)) return { ok: true };
    return { ok: false, message: receivedDocumented(`HTTP ${status} without an error object for ${what}`, documented), observation };
  }
  return { ok: false, message: receivedDocumented(`${describeStatus(observation)} for ${what}`, documented), observation };
}

function judgeProperty(evidence: PropertyEvidence): Outcome[] {
  if (evidence.failure) {
    const { message, counterexample, observation } = evidence.failure;
    // The report shows the request of the failing observation; without one, the message names the case.
    return [fail('counterexample', observation ? message : `${message} (case ${excerpt(counterexample, 300)})`)];
  }
  if (evidence.runs === 0) return [skip('no generated case could be sent within the request budget')];
  if (evidence.unjudged && evidence.unjudged.count >= evidence.runs) {
    return [skip(`none of the ${evidence.runs} case(s) could be judged: ${evidence.unjudged.reason}`)];
  }
  if (evidence.interrupted) {
    return [skip(`interrupted after ${evidence.runs} case(s) (request budget); no counterexample among them`)];
  }
  return [pass];
}

const validAccepted = defineCheck({
  id: 'params.valid-accepted',
  area: 'params',
  severity: 'high',
  rule: 'any combination of documented parameters within their documented ranges ("必需范围") is answered 200 with a schema-valid body',
  source: DOC,
  examine: examineValid,
  run(evidence) {
    if (evidence.kind !== 'property' || evidence.property !== VALID_PROPERTY) return [];
    return judgeProperty(evidence);
  },
});

const invalidRejected = defineCheck({
  id: 'params.invalid-rejected',
  area: 'params',
  severity: 'high',
  rule: 'out-of-range, wrong-type, bad-pattern or missing required values are refused with 4xx and an error object, never 5xx or 200',
  source: DOC,
  examine: examineInvalid,
  run(evidence) {
    if (evidence.kind !== 'property' || evidence.property !== INVALID_PROPERTY) return [];
    return judgeProperty(evidence);
  },
});

type Answered = 'accepted' | 'rejected' | 'crashed' | 'other';

function answered(row: BoundaryEvidence): Answered {
  const status = statusOf(row.observation) ?? 0;
  if (isSuccess(status)) return 'accepted';
  if (status >= 400 && status < 500) return 'rejected';
  if (status >= 500) return 'crashed';
  return 'other';
}

const rowName = (row: BoundaryEvidence): string => `${row.param}=${excerpt(row.value, 60)}`;

function documentedRange(row: BoundaryEvidence): string {
  const text = row.tags.find((t) => t.startsWith('range:'))?.slice('range:'.length);
  return text ? `${row.param} range "${text}"` : `the documented range of ${row.param}`;
}

const isEdge = (row: BoundaryEvidence): boolean => row.tags.includes('edge');
const isBeyond = (row: BoundaryEvidence): boolean => row.tags.includes('beyond');

const boundaryAccepted = defineCheck({
  id: 'params.boundary-accepted',
  area: 'params',
  severity: 'high',
  rule: 'each documented edge value ("必需范围") is accepted; edges the documents disagree on carry that range\'s conflict',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'boundary' || !isEdge(evidence)) return [];
    const skipped = transportSkip(evidence.observation);
    if (skipped) return [skipped];
    const got = answered(evidence);
    if (got === 'accepted') return [pass];
    const unsupported = unsupportedSkip(evidence.observation, evidence.param);
    if (unsupported && got === 'rejected' && evidence.expected !== 'either') return [unsupported];
    const message = receivedDocumented(
      `${describeStatus(evidence.observation)} for ${rowName(evidence)}`,
      `${rowName(evidence)} lies within ${documentedRange(evidence)}${evidence.expected === 'either' ? ' under one reading of the documents' : ''}; accepted with 200`,
    );
    const conflict = evidence.expected === 'either' ? evidence.conflict : undefined;
    return [fail(rowName(evidence), message, { path: `/${evidence.param}`, ...(conflict ? { conflict } : {}) })];
  },
});

const boundaryRejected = defineCheck({
  id: 'params.boundary-rejected',
  area: 'params',
  severity: 'high',
  rule: 'each value just past a documented bound is refused with 4xx (not 200, not 5xx)',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'boundary' || !isBeyond(evidence)) return [];
    const skipped = transportSkip(evidence.observation);
    if (skipped) return [skipped];
    const got = answered(evidence);
    if (got === 'rejected') return [pass];
    const conflict = evidence.expected === 'either' ? evidence.conflict : undefined;
    const message = receivedDocumented(
      `${describeStatus(evidence.observation)} for ${rowName(evidence)}`,
      `${rowName(evidence)} lies outside ${documentedRange(evidence)}; refused with 4xx`,
    );
    return [fail(rowName(evidence), message, { path: `/${evidence.param}`, ...(conflict ? { conflict } : {}) })];
  },
});

export const paramsChecks = [validAccepted, invalidRejected, boundaryAccepted, boundaryRejected] as const;
