/**
 * Error handling. The documents describe no error format or status codes, so these rules are the OpenAI convention.
 * Probes tag their deliberate mistakes `invalid` (plus `param:<field>` when one field is to blame), `malformed-json`
 * and `unknown-model`; a normal request sent right after a rejected one forms a `health-after-reject` comparison.
 * Each check judges one aspect (status, body shape, param, stream, health) so one deviation shows up once.
 */
import { validateError } from '../contract/validators.ts';
import type { Observation, Outcome } from '../core/evidence.ts';
import { dig, excerpt, hasField } from '../core/json.ts';
import { isEventStream, isJsonContentType } from '../core/media-type.ts';
import { answerOf, chunksOf, isFinish, judgeRefusal } from './answers.ts';
import {
  contentTypeOf,
  describeStatus,
  errorBody,
  hasTag,
  isRateLimited,
  isSuccess,
  rateLimitSkip,
  runObservations,
  statusKey,
  statusOf,
  tagValue,
  transportSkip,
} from './guards.ts';
import { fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck } from './types.ts';

const CONVENTION = 'OpenAI convention (assumed)';

const isClientError = (status: number): boolean => status >= 400 && status < 500;

function whatWasWrong(observation: Observation): string {
  const defect = tagValue(observation, 'defect');
  const param = tagValue(observation, 'param');
  if (defect && param) return `${defect} (${param})`;
  return defect ?? (param ? `invalid ${param}` : 'an invalid request');
}

const clientErrorStatus = defineCheck({
  id: 'errors.client-error-status',
  area: 'errors',
  severity: 'high',
  rule: 'client mistakes (malformed JSON, missing model/messages, wrong types, out-of-range values) get 4xx, never 5xx or 200',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'invalid')) return [];
    const skipped = transportSkip(evidence);
    if (skipped) return [skipped];
    const status = statusOf(evidence) ?? 0;
    if (isClientError(status)) return [pass];
    const received = `${describeStatus(evidence)} for ${whatWasWrong(evidence)}`;
    const documented = '4xx with an error object';
    if (status >= 500) return [fail('server-error', receivedDocumented(received, documented))];
    if (hasTag(evidence, 'stream') && isSuccess(status)) {
      return [skip('a 200 answer to an invalid stream request is judged by errors.pre-stream-rejection')];
    }
    return [fail(statusKey(status, 'accepted'), receivedDocumented(received, documented))];
  },
});

const ENVELOPE = 'application/json {"error":{"message":string,"type":string,"param":…,"code":…}}';
/** What clients read: the official SDKs build their error from error.message. */
const CLIENT_NEEDS = '{"error":{"message": a non-empty string}}, which the official SDKs read';

/** The body of an error answer when it holds no error object, for `Received:` lines. */
function bodyWithoutError(o: Observation): string {
  if (o.json === undefined) return `a body that is not JSON: ${excerpt(o.exchange.response?.excerpt ?? '', 80)}`;
  if (hasField(o.json, 'error')) return `"error" that is not an object: ${excerpt(dig(o.json, 'error'), 80)}`;
  return `JSON without an "error" object: ${excerpt(o.json, 80)}`;
}

/**
 * How an error body measures up to the envelope: no error object or no message fails (clients lose the reason);
 * anything else that departs from the OpenAI shape (content type, type, param, code) is only unusual, and warns.
 */
export function envelopeOutcomes(o: Observation): Outcome[] {
  const status = statusOf(o);
  const found: Outcome[] = [];
  const contentType = contentTypeOf(o);
  if (!isJsonContentType(contentType)) {
    found.push(warn('content-type', receivedDocumented(`HTTP ${status} with Content-Type ${contentType || '(none)'}`, ENVELOPE)));
  }
  const error = errorBody(o);
  if (!error) {
    const received = `HTTP ${status} with ${bodyWithoutError(o)}`;
    return [...found, fail('no-error-object', receivedDocumented(received, CLIENT_NEEDS), { path: '/error' })];
  }
  if (typeof error.message !== 'string' || error.message.trim() === '') {
    const received = `HTTP ${status} with error.message = ${excerpt(error.message ?? null)}`;
    return [...found, fail('message', receivedDocumented(received, CLIENT_NEEDS), { path: '/error/message' })];
  }
  for (const field of ['type', 'param', 'code'] as const) {
    if (error[field] !== undefined) continue;
    const received = `HTTP ${status} with an error object without ${field}: ${excerpt(dig(o.json, 'error'), 100)}`;
    found.push(warn(`missing:${field}`, receivedDocumented(received, ENVELOPE), { path: `/error/${field}` }));
  }
  const validation = validateError(o.json);
  for (const v of validation.ok ? [] : validation.violations) {
    found.push(warn(`${v.path}:${v.keyword}`, receivedDocumented(`${v.message} (${v.received})`, v.documented), { path: v.path }));
  }
  return found.length ? found : [pass];
}

const envelope = defineCheck({
  id: 'errors.envelope',
  area: 'errors',
  severity: 'medium',
  rule: 'every 4xx body carries {"error":{"message"}} with a non-empty message; absent type, param or code (OpenAI) warn',
  source: CONVENTION,
  scope: 'run',
  run: (evidence) =>
    runObservations(evidence).flatMap((o) => {
      const status = statusOf(o);
      // 401s are auth.error-envelope's; a rate limit is transport.not-rate-limited's.
      if (status === undefined || !isClientError(status) || status === 401) return [];
      const limited = rateLimitSkip(o);
      return limited ? [limited] : envelopeOutcomes(o);
    }),
});

/** Field names match loosely: `temperature`, `body.temperature`, `messages[0].role` all name their field. */
function namesField(param: string, field: string): boolean {
  const words = param.toLowerCase().split(/[^a-z0-9_]+/);
  return words.includes(field.toLowerCase());
}

const paramNamed = defineCheck({
  id: 'errors.param-named',
  area: 'errors',
  severity: 'low',
  rule: 'a validation error names the offending field in error.param',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'invalid')) return [];
    const field = tagValue(evidence, 'param');
    const status = statusOf(evidence);
    if (!field || status === undefined || !isClientError(status)) return [];
    const limited = rateLimitSkip(evidence);
    if (limited) return [limited];
    const error = errorBody(evidence);
    if (!error) return [skip('the error body has no error object (judged by errors.envelope)')];
    if (error.param === null || error.param === undefined) {
      return [
        warn(
          'param-null',
          receivedDocumented(
            `${error.param === null ? 'error.param = null' : 'no error.param'} for invalid ${field}`,
            `error.param = "${field}"`,
          ),
          {
            path: '/error/param',
          },
        ),
      ];
    }
    if (typeof error.param !== 'string' || !namesField(error.param, field)) {
      return [
        warn('param-other', receivedDocumented(`error.param = ${excerpt(error.param)} for invalid ${field}`, `error.param = "${field}"`), {
          path: '/error/param',
        }),
      ];
    }
    return [pass];
  },
});

/** Whether any chunk of a stream carried an `error` member (the in-band error shape). */
function streamCarriesError(observation: Observation): boolean {
  return chunksOf(observation).some((c) => hasField(c.value, 'error'));
}

/** Whether a stream carried any part of an answer: text, a tool call or a finish_reason. */
function streamAnswers(observation: Observation): boolean {
  return (answerOf(observation)?.choices ?? []).some(
    (c) => Boolean(c.content) || Boolean(c.reasoning) || c.toolCalls.length > 0 || isFinish(c.finishReason),
  );
}

/** What was wrong with a 200 stream to an invalid request (an error, or no answer); undefined for an ordinary answer. */
function failedStream(observation: Observation): string | undefined {
  if (streamCarriesError(observation)) return 'an SSE stream carrying data: {"error":…}';
  return streamAnswers(observation) ? undefined : 'an SSE stream that carries no answer';
}

const preStreamRejection = defineCheck({
  id: 'errors.pre-stream-rejection',
  area: 'errors',
  severity: 'high',
  rule: 'an invalid stream request is rejected with 4xx JSON before any SSE, not a 200 stream carrying data: {"error":…} or no answer',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'invalid') || !hasTag(evidence, 'stream')) return [];
    const skipped = transportSkip(evidence);
    if (skipped) return [skipped];
    const status = statusOf(evidence) ?? 0;
    const sse = evidence.stream !== undefined || isEventStream(contentTypeOf(evidence));
    const documented = 'a 4xx JSON error before any SSE bytes';
    if (status >= 500) return [skip(`HTTP ${status} (judged by errors.client-error-status)`)];
    if (isSuccess(status)) {
      const how = failedStream(evidence);
      // A gateway that clamps the value and answers: that acceptance is the params checks' finding, not this one's.
      if (!how)
        return [skip(`an ordinary streamed answer to ${whatWasWrong(evidence)}: the value was accepted (the params checks judge that)`)];
      return [fail('stream-200', receivedDocumented(`HTTP ${status} with ${how} for ${whatWasWrong(evidence)}`, documented))];
    }
    if (isClientError(status) && sse) {
      return [fail('sse-error', receivedDocumented(`HTTP ${status} answered as text/event-stream`, documented))];
    }
    if (isClientError(status)) return [pass];
    return [fail(`status-${status}`, receivedDocumented(describeStatus(evidence), documented))];
  },
});

const unknownModel = defineCheck({
  id: 'errors.unknown-model',
  area: 'errors',
  severity: 'high',
  rule: 'a model the target does not serve is refused with 404 (or another 4xx), never answered',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'unknown-model')) return [];
    return judgeRefusal(evidence, {
      wanted: isClientError,
      served: 'served',
      sent: `model ${excerpt(evidence.sent?.['model'])}`,
      documented: '404 (or another 4xx) with an error object',
    });
  },
});

const malformedJson = defineCheck({
  id: 'errors.malformed-json',
  area: 'errors',
  severity: 'high',
  rule: 'a body that is not valid JSON is refused with 400',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'malformed-json')) return [];
    return judgeRefusal(evidence, {
      wanted: (status) => status === 400,
      tolerated: isClientError,
      served: 'accepted',
      sent: 'a malformed JSON body',
      documented: '400 with an error object',
    });
  },
});

const healthyAfterReject = defineCheck({
  id: 'errors.healthy-after-reject',
  area: 'errors',
  severity: 'critical',
  rule: 'a normal request sent right after a rejected one still succeeds',
  source: CONVENTION,
  run(evidence) {
    if (evidence.kind !== 'comparison' || evidence.relation !== 'health-after-reject') return [];
    const first = statusOf(evidence.a);
    if (first === undefined || first < 400 || isRateLimited(evidence.a)) {
      return [skip('the first request was not rejected, so there is nothing to recover from')];
    }
    const after = evidence.b;
    if (after.exchange.error?.code === 'budget-exhausted') return [skip('no request budget left for the health request')];
    const status = statusOf(after);
    if (isSuccess(status)) return [pass];
    const limited = rateLimitSkip(after);
    if (limited) return [limited];
    const received = `${describeStatus(after)} for a normal request sent after a rejected one (HTTP ${first} for ${whatWasWrong(evidence.a)})`;
    const key = status === undefined ? 'unreachable' : status >= 500 ? 'server-error' : `status-${status}`;
    return [fail(key, receivedDocumented(received, 'the normal request succeeds (200)'))];
  },
});

export const errorsChecks = [
  clientErrorStatus,
  envelope,
  paramNamed,
  preStreamRejection,
  unknownModel,
  malformedJson,
  healthyAfterReject,
] as const;
