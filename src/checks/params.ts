/**
 * Parameter validation: property runs over generated requests, and the boundary table of every documented range.
 * Boundary rows are tagged `edge` (a value on or just inside a documented bound) or `beyond` (just past it),
 * plus `range:<documented text>` for messages.
 */
import { limits } from '../contract/ranges.ts';
import type { BoundaryEvidence, Finding, Observation, Outcome, PropertyEvidence } from '../core/evidence.ts';
import { asArray, dig, excerpt } from '../core/json.ts';
import {
  describeStatus,
  errorText,
  hasTag,
  isRateLimited,
  isSuccess,
  rateLimitSkip,
  statusOf,
  tagValue,
  transportSkip,
  unsupportedSkip,
} from './guards.ts';
import { fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck, type Examination } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

export const VALID_PROPERTY = 'params.valid-accepted';
export const INVALID_PROPERTY = 'params.invalid-rejected';

/** A case nothing can be concluded from: no answer or a damaged one (the transport checks report it), or a rate limit. */
function unjudgeable(observation: Observation): Examination | undefined {
  const status = statusOf(observation);
  if (status === undefined) return { ok: 'unjudged', reason: `no answer (${observation.exchange.error?.code ?? 'nothing received'})` };
  if (isRateLimited(observation)) return { ok: 'unjudged', reason: `rate-limited (HTTP ${status})` };
  if (observation.damage) return { ok: 'unjudged', reason: observation.damage };
  return undefined;
}

/** One in-range case: accepted (2xx). What the answer holds is the schema checks' business. */
function examineValid(observation: Observation): Examination {
  const unjudged = unjudgeable(observation);
  if (unjudged) return unjudged;
  if (isSuccess(statusOf(observation))) return { ok: true };
  const why = errorText(observation);
  const received = `${describeStatus(observation)}${why ? ` ${excerpt(why, 100)}` : ''}`;
  return { ok: false, message: receivedDocumented(received, 'accepted (2xx) for a request within every documented range'), observation };
}

/** What an invalid case broke, from its tags: `out-of-range (temperature)`, `a malformed JSON body`. */
function caseName(observation: Observation): string {
  const defect = tagValue(observation, 'defect') ?? 'an invalid value';
  if (defect === 'malformed-json') return 'a malformed JSON body';
  const param = tagValue(observation, 'param');
  return param ? `${defect} (${param})` : defect;
}

/** One case with a rule broken: refused with 4xx; 5xx and 2xx are failures. The error body is errors.envelope's. */
function examineInvalid(observation: Observation): Examination {
  const unjudged = unjudgeable(observation);
  if (unjudged) return unjudged;
  const status = statusOf(observation) ?? 0;
  if (status >= 400 && status < 500) return { ok: true };
  return {
    ok: false,
    message: receivedDocumented(`${describeStatus(observation)} for ${caseName(observation)}`, '4xx, never 5xx or 200'),
    observation,
  };
}

function judgeProperty(evidence: PropertyEvidence, conflict?: string): Outcome[] {
  if (evidence.failure) {
    const { message, counterexample, observation } = evidence.failure;
    const limited = observation && rateLimitSkip(observation);
    if (limited) return [limited];
    // The report shows the request of the failing observation; without one, the message names the case.
    const text = observation ? message : `${message} (case ${excerpt(counterexample, 300)})`;
    return [fail('counterexample', text, conflict ? { conflict } : {})];
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

/** A valid request of a shape real clients send (content parts, an image, a tool result…): accepted. */
function judgeShape(o: Observation): Outcome {
  const shape = tagValue(o, 'shape') ?? 'a valid request';
  const skipped = transportSkip(o) ?? (shape.startsWith('image') ? unsupportedSkip(o, 'image input') : undefined);
  if (skipped) return skipped;
  if (isSuccess(statusOf(o))) return pass;
  const why = errorText(o);
  const conflict = tagValue(o, 'conflict');
  const received = `${describeStatus(o)} for ${shape}${why ? ` ${excerpt(why, 100)}` : ''}`;
  return fail(`shape:${shape}`, receivedDocumented(received, `accepted (2xx): ${shape} is a valid request`), conflict ? { conflict } : {});
}

const validAccepted = defineCheck({
  id: 'params.valid-accepted',
  area: 'params',
  severity: 'high',
  rule: 'any combination of documented parameters within their documented ranges ("必需范围") is accepted (2xx)',
  source: DOC,
  examine: examineValid,
  run(evidence) {
    if (evidence.kind === 'observation' && hasTag(evidence, 'valid-shape')) return [judgeShape(evidence)];
    if (evidence.kind !== 'property' || evidence.property !== VALID_PROPERTY) return [];
    return judgeProperty(evidence);
  },
});

/** OpenAI's rule for a message name: 000's characters plus the dash. */
const OPENAI_MESSAGE_NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * The conflict message-name-pattern, when the accepted counterexample's defect is a message name that only breaks
 * 000's list of characters by a dash, which "may contain" and OpenAI allow.
 */
function nameConflict(evidence: PropertyEvidence): string | undefined {
  const observation = evidence.failure?.observation;
  if (!observation || !isSuccess(statusOf(observation))) return undefined;
  const { messageNamePattern, messageNameMaxLength } = limits();
  const documented = new RegExp(messageNamePattern);
  const names = asArray(dig(observation.sent, 'messages'))
    .map((m) => dig(m, 'name'))
    .filter((name): name is string => typeof name === 'string' && name.length <= messageNameMaxLength);
  return names.some((name) => !documented.test(name) && OPENAI_MESSAGE_NAME.test(name)) ? 'message-name-pattern' : undefined;
}

/**
 * A value lenient servers take though a reading of the documents refuses it: refused is right; taken is only a
 * warning (a numeric string read as a number), or the reading's conflict (a dash in a message name).
 */
const LENIENT: Record<string, { what: string; documented: string; path: string; accepted: Partial<Finding> }> = {
  'numeric-string': {
    what: 'temperature "0.5" (a string)',
    documented: 'temperature is a number ("number | null"); a string is refused with 4xx',
    path: '/temperature',
    accepted: { verdict: 'warn' },
  },
  'dashed-name': {
    what: 'messages[0].name "conformance-tester"',
    documented: 'a name of letters, digits and underscores (000); another is refused with 4xx',
    path: '/messages/0/name',
    accepted: { verdict: 'fail', conflict: 'message-name-pattern' },
  },
};

function judgeLenientValue(o: Observation, defect: string): Outcome[] {
  const rule = LENIENT[defect];
  if (!rule) return [];
  const skipped = transportSkip(o);
  if (skipped) return [skipped];
  const status = statusOf(o) ?? 0;
  if (status >= 400 && status < 500) return [pass];
  const received = `${describeStatus(o)} for ${rule.what}`;
  if (!isSuccess(status)) return [fail(defect, receivedDocumented(received, rule.documented), { path: rule.path })];
  const { verdict, conflict } = rule.accepted;
  const message = receivedDocumented(`${received}: accepted`, rule.documented);
  return [(verdict === 'warn' ? warn : fail)(defect, message, { path: rule.path, ...(conflict ? { conflict } : {}) })];
}

const invalidRejected = defineCheck({
  id: 'params.invalid-rejected',
  area: 'params',
  severity: 'high',
  rule: 'out-of-range, wrong-type, bad-pattern or missing required values are refused with 4xx, never 5xx or 200',
  source: DOC,
  examine: examineInvalid,
  run(evidence) {
    if (evidence.kind === 'observation') return judgeLenientValue(evidence, tagValue(evidence, 'defect') ?? '');
    if (evidence.kind !== 'property' || evidence.property !== INVALID_PROPERTY) return [];
    return judgeProperty(evidence, nameConflict(evidence));
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
