/**
 * The shape of answers: the non-stream `chat.completion` object, every stream chunk, and the few rules a schema
 * cannot state (created in seconds, finish_reason values, the JSON content type, usage being there).
 */
import { limits } from '../contract/ranges.ts';
import { type SchemaViolation, type Validation, validateChunk, validateResponse } from '../contract/validators.ts';
import { clientChunks, okJson } from './answers.ts';
import { headerOf, ifComplete, incompleteReason, isStream, isSuccess, observations, statusOf, streamRequested } from './guards.ts';
import { collapse, fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck } from './types.ts';
import { asArray, dig, excerpt, hasField, type Json } from '../core/json.ts';
import { mediaType } from '../core/media-type.ts';
import type { Observation, Outcome } from '../core/evidence.ts';

const DOC = '000_96bde8db4d236014.txt';
const SECONDS_PER_DAY = 86_400;

/** A JSON pointer with array indices replaced by `*`, so the same problem at every index is one key. */
const starPath = (path: string): string => path.replace(/\/\d+(?=\/|$)/g, '/*');

/**
 * Violations another check owns, left out so one deviation is reported once: which finish_reason value was sent
 * (schema.finish-reason-documented, streaming.single-finish), `usage: null` in a non-stream answer
 * (schema.usage-present, where the documents leave usage optional), the type of tool-call arguments
 * (tools.call-shape) and the index of a streamed tool-call delta (tools.stream-deltas).
 */
const ownedElsewhere = (v: SchemaViolation): boolean =>
  (v.keyword === 'enum' && /^\/choices\/\d+\/finish_reason$/.test(v.path)) ||
  (v.path === '/usage' && v.received === 'null') ||
  /\/tool_calls\/\d+\/function\/arguments$/.test(v.path) ||
  (v.keyword === 'required' && /\/delta\/tool_calls\/\d+$/.test(v.path) && v.documented.includes('"index"'));

/** An error object where an answer belongs: the errors checks report it (a 200 carrying an error, an error event). */
const isErrorObject = (value: unknown): boolean => hasField(value, 'error') && !hasField(value, 'choices');

function violationOutcomes(result: Validation, where: string): Outcome[] {
  const kept = result.ok ? [] : result.violations.filter((v) => !ownedElsewhere(v));
  if (kept.length === 0) return [pass];
  return kept.map((v) => {
    const found = v.keyword === 'required' ? '' : `; found ${v.received}`;
    const message = receivedDocumented(`${where}${v.message}${found}`, `${v.path || '(root)'}: ${v.documented} (${DOC})`);
    return fail(`${v.keyword}:${starPath(v.path)}:${v.documented}`, message, { path: v.path });
  });
}

/** The JSON object of a successful answer to a request that did not ask for a stream (an error object is no answer). */
const nonStreamOk = (o: Observation): Json | undefined => {
  const body = streamRequested(o) ? undefined : okJson(o);
  return isErrorObject(body) ? undefined : body;
};

const responseValid = defineCheck({
  id: 'schema.response-valid',
  area: 'schema',
  severity: 'high',
  scope: 'run',
  rule: 'A non-stream 200 body is a chat.completion: id, object "chat.completion", integer created, model, choices, usage.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      if (isStream(o) || streamRequested(o) || statusOf(o) !== 200) return [];
      const body = okJson(o);
      if (isErrorObject(body)) return [skip('a 200 carrying an error object; the errors checks report it')];
      if (body) return violationOutcomes(validateResponse(body), '');
      const why = `the body is not a JSON object (${o.jsonError ?? 'not an object'}); schema.json-content-type reports it`;
      return [skip(incompleteReason(o) ?? why)];
    }),
});

const chunkValid = defineCheck({
  id: 'schema.chunk-valid',
  area: 'schema',
  severity: 'high',
  scope: 'run',
  rule: 'Every stream chunk is a chat.completion.chunk: id, object, created, model, choices of {index, delta, finish_reason}.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const chunks = clientChunks(o).filter((c) => !isErrorObject(c.value));
      if (chunks.length === 0) return isStream(o) ? [skip('the stream carried no chunk other than errors')] : [];
      return collapse(chunks.flatMap((c) => violationOutcomes(validateChunk(c.value), `chunk ${c.position} `)));
    }),
});

/** `created` values of an observation, with where they were found. */
function createdValues(o: Observation): Array<{ where: string; value: number }> {
  const found = (where: string, value: unknown) => (typeof value === 'number' ? [{ where, value }] : []);
  const body = nonStreamOk(o);
  if (body) return found('/created', dig(body, 'created'));
  return clientChunks(o).flatMap((c) => found(`chunk ${c.position} /created`, dig(c.value, 'created')));
}

function createdOutcome(where: string, value: number, now: number): Outcome {
  if (Math.abs(value - now) <= SECONDS_PER_DAY) return pass;
  const millis = Math.abs(value / 1000 - now) <= SECONDS_PER_DAY;
  const off = millis ? 'Unix milliseconds' : `${Math.round((value - now) / SECONDS_PER_DAY)} days from now`;
  const message = receivedDocumented(`${where} = ${value} (${off})`, `Unix seconds, within a day of now (${now}) (${DOC})`);
  return fail(millis ? 'milliseconds' : 'out-of-range', message, { path: '/created' });
}

const createdSeconds = defineCheck({
  id: 'schema.created-seconds',
  area: 'schema',
  severity: 'medium',
  scope: 'run',
  rule: '`created` is the Unix time in seconds ("以秒为单位") at which the response was generated, so within a day of now.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const values = createdValues(o);
      const now = Math.floor(Date.now() / 1000);
      return values.length === 0 ? [] : collapse(values.map(({ where, value }) => createdOutcome(where, value, now)));
    }),
});

/** finish_reason strings of an observation; in streams the empty string is streaming.single-finish's to judge. */
function finishReasons(o: Observation): Array<{ where: string; value: string }> {
  const from = (where: string, choices: unknown, skipEmpty: boolean) =>
    asArray(choices).flatMap((choice, i) => {
      const value = dig(choice, 'finish_reason');
      if (typeof value !== 'string' || (skipEmpty && value === '')) return [];
      return [{ where: `${where}/choices/${i}/finish_reason`, value }];
    });
  const body = nonStreamOk(o);
  if (body) return from('', dig(body, 'choices'), false);
  return clientChunks(o).flatMap((c) => from(`chunk ${c.position} `, dig(c.value, 'choices'), true));
}

function finishOutcome(where: string, value: string, documented: readonly string[]): Outcome {
  if (documented.includes(value)) return pass;
  const listed = documented.map((d) => `"${d}"`).join(', ');
  const message = receivedDocumented(`${where} = ${excerpt(value)}`, `one of ${listed} (${DOC})`);
  const path = starPath(where.replace(/^chunk \d+ /, ''));
  // OpenAI reports a turn that ends in tool calls as "tool_calls"; the documents list only stop and length.
  if (value === 'tool_calls') return fail(`value:${value}`, message, { path, conflict: 'finish-reason-tool-calls' });
  return fail(`value:${value}`, message, { path });
}

const finishReasonDocumented = defineCheck({
  id: 'schema.finish-reason-documented',
  area: 'schema',
  severity: 'medium',
  scope: 'run',
  rule: 'finish_reason is one of the documented values "stop" and "length" ("可用选项: stop, length").',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const documented = limits().finishReasons;
      return collapse(finishReasons(o).map(({ where, value }) => finishOutcome(where, value, documented)));
    }),
});

/** What is wrong with a non-stream body, when something is. */
function bodyProblem(o: Observation): { key: string; received: string } | undefined {
  if (isStream(o)) return { key: 'sse-body', received: 'an SSE stream for a request without stream:true' };
  if (o.json === undefined) return { key: 'not-json', received: `a body that is not JSON (${o.jsonError ?? 'unparsable'})` };
  if (!okJson(o)) return { key: 'not-object', received: `a JSON ${excerpt(o.json, 60)} that is not an object` };
  return undefined;
}

function contentTypeOutcomes(o: Observation): Outcome[] {
  const contentType = headerOf(o, 'content-type');
  const documented = `Content-Type: application/json and one JSON object (${DOC})`;
  const found: Outcome[] = [];
  if (mediaType(contentType) !== 'application/json') {
    found.push(fail('content-type', receivedDocumented(`Content-Type: ${contentType ?? '(absent)'}`, documented)));
  }
  const problem = bodyProblem(o);
  if (problem) found.push(fail(problem.key, receivedDocumented(problem.received, documented)));
  return found.length > 0 ? found : [pass];
}

const jsonContentType = defineCheck({
  id: 'schema.json-content-type',
  area: 'schema',
  severity: 'medium',
  scope: 'run',
  rule: 'A non-stream answer is Content-Type application/json with exactly one JSON object as its body.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      if (streamRequested(o) || !isSuccess(statusOf(o))) return [];
      return ifComplete(o, () => contentTypeOutcomes(o));
    }),
});

const usagePresent = defineCheck({
  id: 'schema.usage-present',
  area: 'schema',
  severity: 'low',
  scope: 'run',
  rule: 'A non-stream answer carries usage {prompt_tokens, completion_tokens, total_tokens} (documented as optional).',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const body = nonStreamOk(o);
      const usage = dig(body, 'usage');
      if (!body || (usage !== null && usage !== undefined)) return body ? [pass] : [];
      const isNull = hasField(body, 'usage');
      const message = receivedDocumented(isNull ? '/usage = null' : 'no usage field', `a usage object (optional in ${DOC})`);
      // The documents leave usage optional; the profile decides whether its absence counts.
      return [warn(isNull ? 'null' : 'absent', message, { path: '/usage', conflict: 'usage-optional' })];
    }),
});

export const schemaChecks = [
  responseValid,
  chunkValid,
  createdSeconds,
  finishReasonDocumented,
  jsonContentType,
  usagePresent,
] as const;
