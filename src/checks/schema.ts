/**
 * The shape of answers: the non-stream `chat.completion` object, every stream chunk, and the few rules a schema
 * cannot state (created in seconds, finish_reason values, the JSON content type, usage being there).
 */
import { limits } from '../contract/ranges.ts';
import { type SchemaViolation, type Validation, validateChunk, validateResponse } from '../contract/validators.ts';
import type { Observation, Outcome } from '../core/evidence.ts';
import { asArray, dig, excerpt, hasField, type Json } from '../core/json.ts';
import { mediaType } from '../core/media-type.ts';
import { type AnswerChoice, answerOf, type Chunk, clientChunks, isFilterAnnotation, okJson, payloadsOf } from './answers.ts';
import {
  headerOf,
  ifComplete,
  incompleteReason,
  isStream,
  isSuccess,
  observations,
  runObservations,
  statusOf,
  streamRequested,
} from './guards.ts';
import { collapse, fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';
const SECONDS_PER_DAY = 86_400;

/** A JSON pointer with array indices replaced by `*`, so the same problem at every index is one key. */
const starPath = (path: string): string => path.replace(/\/\d+(?=\/|$)/g, '/*');

/**
 * Violations another check owns, left out so one deviation is reported once: which finish_reason value was sent
 * (schema.finish-reason-documented, streaming.single-finish), the type of tool-call arguments (tools.call-shape)
 * and the index of a streamed tool-call delta (tools.stream-deltas).
 */
const ownedElsewhere = (v: SchemaViolation): boolean =>
  (v.keyword === 'enum' && /^\/choices\/\d+\/finish_reason$/.test(v.path)) ||
  /\/tool_calls\/\d+\/function\/arguments$/.test(v.path) ||
  (v.keyword === 'required' && /\/delta\/tool_calls\/\d+$/.test(v.path) && v.documented.includes('"index"'));

/** An error object where an answer belongs: the errors checks report it (a 200 carrying an error, an error event). */
const isErrorObject = (value: unknown): boolean => hasField(value, 'error') && !hasField(value, 'choices');

/** In chunks, the object too: streaming.chunk-object judges it, with its conflict chunk-object-name. */
const chunkObjectOrFinish = (v: SchemaViolation): boolean =>
  ownedElsewhere(v) || v.path === '/object' || (v.keyword === 'required' && v.documented === 'required property "object"');

function violationOutcomes(result: Validation, where: string, owned = ownedElsewhere): Outcome[] {
  const kept = result.ok ? [] : result.violations.filter((v) => !owned(v));
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

/**
 * Azure's asynchronous content filter adds chunks whose choices carry filter results and no delta: one recognisable
 * quirk, and a risky one (the official Python SDK's stream helper reads every choice's delta).
 */
function annotationOutcome(c: Chunk): Outcome {
  const received = `chunk ${c.position}: content-filter annotations in choices without a delta ${excerpt(c.value['choices'], 80)}`;
  const documented = `every choice of a chunk carries a delta (${DOC}; OpenAI convention)`;
  return warn('filter-annotation', receivedDocumented(received, documented), { path: '/choices/*/delta' });
}

const chunkValid = defineCheck({
  id: 'schema.chunk-valid',
  area: 'schema',
  severity: 'high',
  scope: 'run',
  rule: "Every stream chunk is a chat.completion.chunk: id, created, model, choices of {index, delta, finish_reason} (the object is streaming.chunk-object's).",
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const chunks = clientChunks(o).filter((c) => !isErrorObject(c.value));
      if (chunks.length === 0) return isStream(o) ? [skip('the stream carried no chunk other than errors')] : [];
      const annotations = payloadsOf(o).filter((c) => !c.afterDone && isFilterAnnotation(c.value));
      const judged = chunks.flatMap((c) => violationOutcomes(validateChunk(c.value), `chunk ${c.position} `, chunkObjectOrFinish));
      return collapse([...annotations.map(annotationOutcome), ...judged]);
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

/** OpenAI's finish reasons beyond stop and length, with the conflict that records each. */
const OPENAI_FINISH_REASONS: ReadonlyMap<string, string> = new Map([
  ['tool_calls', 'finish-reason-tool-calls'],
  ['content_filter', 'finish-reason-openai-values'],
  ['function_call', 'finish-reason-openai-values'],
]);

function finishOutcome(where: string, value: string, documented: readonly string[]): Outcome {
  if (documented.includes(value)) return pass;
  const listed = documented.map((d) => `"${d}"`).join(', ');
  const message = receivedDocumented(`${where} = ${excerpt(value)}`, `one of ${listed} (${DOC})`);
  const path = starPath(where.replace(/^chunk \d+ /, ''));
  // OpenAI values the documents do not list: legal under another reading, so the profile decides.
  const conflict = OPENAI_FINISH_REASONS.get(value);
  return fail(`value:${value}`, message, { path, ...(conflict ? { conflict } : {}) });
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

/** A model id reduced to what names it: lower case, without an `org/` prefix, a `:tag` or a `-latest` alias. */
const modelCore = (id: string): string => (id.toLowerCase().split('/').at(-1) ?? '').split(':')[0]!.replace(/-latest$/, '');

/** `base` followed by a date or version stamp: gpt-4o-2024-08-06, gpt-4-0613, claude-3-5-sonnet-20241022. */
const isStampOf = (id: string, base: string): boolean =>
  id.startsWith(`${base}-`) && /^-(\d{4}-\d{2}-\d{2}|\d{4,8})(\b|$)/.test(id.slice(base.length));

/** The same model, or a dated, prefixed or tagged name of it. */
export function sameModel(sent: string, answered: string): boolean {
  const a = modelCore(sent);
  const b = modelCore(answered);
  return a === b || isStampOf(a, b) || isStampOf(b, a);
}

/** The model an answer names: the body's, or the first chunk's. */
function answeredModel(o: Observation): unknown {
  const body = okJson(o);
  if (body) return body['model'];
  return clientChunks(o)
    .map((c) => c.value['model'])
    .find((m) => typeof m === 'string' && m !== '');
}

const modelEcho = defineCheck({
  id: 'schema.model-echo',
  area: 'schema',
  severity: 'low',
  rule: '`model` of an answer names the model requested ("用于聊天完成的模型"), or a dated, prefixed or tagged name of it; never fails.',
  source: DOC,
  scope: 'run',
  run: (evidence) =>
    runObservations(evidence).flatMap((o) => {
      const sent = dig(o.sent, 'model');
      const answered = answeredModel(o);
      if (typeof sent !== 'string' || sent === '' || statusOf(o) !== 200) return [];
      if (typeof answered !== 'string' || answered === '') return [skip('the answer names no model; the schema checks report it')];
      if (sameModel(sent, answered)) return [pass];
      const message = receivedDocumented(
        `model ${excerpt(answered)} for a request naming ${excerpt(sent)}`,
        `the model requested, or a dated, prefixed or tagged name of it (${DOC})`,
      );
      // A gateway may route to another model on purpose; worth knowing, not a broken answer.
      return [warn(`unrelated:${excerpt(answered, 60)}`, message, { path: '/model' })];
    }),
});

function contentOutcome(c: AnswerChoice, streamed: boolean): Outcome {
  if (c.finishReason !== 'stop' || c.toolCalls.length > 0 || c.content !== null) return pass;
  const received = `choice ${c.index} finished with "stop", no tool call, and ${streamed ? 'no content delta' : 'content null'}`;
  const documented = `the reply in ${c.path}/content ("消息的内容", ${DOC})`;
  return fail('null-content', receivedDocumented(received, documented), { path: `${c.path}/content` });
}

const contentPresent = defineCheck({
  id: 'schema.content-present',
  area: 'schema',
  severity: 'medium',
  rule: 'A choice that finished with "stop" without calling a tool carries content: null content there is an empty answer.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      const answer = answerOf(o);
      if (!answer || answer.choices.length === 0 || incompleteReason(o)) return [];
      return collapse(answer.choices.map((c) => contentOutcome(c, answer.streamed)));
    }),
});

export const schemaChecks = [
  responseValid,
  chunkValid,
  createdSeconds,
  finishReasonDocumented,
  jsonContentType,
  usagePresent,
  modelEcho,
  contentPresent,
] as const;
