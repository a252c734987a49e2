/**
 * Small readers that checks share: safe access to JSON a target sent (any value may have any type, so nothing here
 * assumes a shape), which observations a piece of evidence holds, what was asked for and how the target answered.
 */

import type { Evidence, Observation, Outcome, StreamEvidence } from '../core/evidence.ts';
import { asArray, dig, isInteger, isRecord } from '../core/json.ts';
import { skip } from './outcome.ts';

/** Every observation a piece of evidence carries; checks that judge single exchanges run on each. */
export function observations(evidence: Evidence): Observation[] {
  switch (evidence.kind) {
    case 'observation':
      return [evidence];
    case 'comparison':
      return [evidence.a, evidence.b];
    case 'boundary':
      return [evidence.observation];
    case 'property':
      return evidence.cases;
    case 'client':
      return evidence.observations;
    default:
      return [];
  }
}

/**
 * The observations a run-scoped check judges, each exchange once. A health-after-reject comparison repeats its
 * rejected request, which the probe also hands in as evidence of its own, so only its health request counts here;
 * an answer replayed to a second client library counts with the call that sent it.
 */
export function runObservations(evidence: Evidence): Observation[] {
  if (evidence.kind === 'comparison' && evidence.relation === 'health-after-reject') return [evidence.b];
  if (evidence.kind === 'client' && evidence.replayed) return [];
  return observations(evidence);
}

export const hasTag = (o: Observation, tag: string): boolean => Array.isArray(o.tags) && o.tags.includes(tag);

/** The value of a `name:value` tag, when present. */
export function tagValue(o: Observation, name: string): string | undefined {
  const prefix = `${name}:`;
  return o.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

export const streamRequested = (o: Observation): boolean => dig(o.sent, 'stream') === true || hasTag(o, 'stream');

export const usageRequested = (o: Observation): boolean =>
  dig(o.sent, 'stream_options', 'include_usage') === true || hasTag(o, 'include-usage');

/** `n` as sent (1 when absent or not a positive integer). */
export function requestedN(o: Observation): number {
  const n = dig(o.sent, 'n');
  return isInteger(n) && n >= 1 ? n : 1;
}

export const isStream = (o: Observation): o is Observation & { stream: StreamEvidence } => o.stream !== undefined;

export const statusOf = (o: Observation): number | undefined => o.exchange.response?.status;

export const isSuccess = (status: number | undefined): boolean => status !== undefined && status >= 200 && status < 300;

/** A finding key for how a request that should have been refused was answered: `served`, a 5xx, or the status. */
export const statusKey = (status: number, served: string): string =>
  isSuccess(status) ? served : status >= 500 ? 'server-error' : `status-${status}`;

/** Short, single-line description of an HTTP answer for `Received:` lines. */
export function describeStatus(o: Observation): string {
  const response = o.exchange.response;
  if (!response) return o.exchange.error ? `no response (${o.exchange.error.code})` : 'no response';
  const type = response.headers['content-type'];
  return `HTTP ${response.status}${type ? ` (${type})` : ''}`;
}

export const headerOf = (o: Observation, name: string): string | undefined => o.exchange.response?.headers[name];

/** The whole Content-Type value, lower-cased ('' when absent). */
export const contentTypeOf = (o: Observation): string => (headerOf(o, 'content-type') ?? '').toLowerCase();

/** Why a piece of evidence cannot be judged on its body, when one of its exchanges was cut or sent broken bytes. */
export const damageOf = (evidence: Evidence): string | undefined => observations(evidence).find((o) => o.damage)?.damage;

/**
 * Rate limited: 429, or 503 with Retry-After (RFC 9110: unavailable for now, come back later). Such an answer says
 * nothing about the rule under test. A bare 503 is the server failing, and is judged like any other status.
 */
export function isRateLimited(o: Observation): boolean {
  const status = statusOf(o);
  return status === 429 || (status === 503 && headerOf(o, 'retry-after') !== undefined);
}

/** A skip for a rate-limited answer (transport.not-rate-limited judges those), else undefined. */
export function rateLimitSkip(o: Observation): Outcome | undefined {
  if (!isRateLimited(o)) return undefined;
  const retryAfter = headerOf(o, 'retry-after');
  const after = retryAfter === undefined ? '' : ` (Retry-After: ${retryAfter})`;
  return skip(`rate limited: HTTP ${statusOf(o)}${after}, so the rule could not be judged; transport.not-rate-limited reports it`);
}

/** A skip when nothing judgeable came back (transport failure, no response, or a rate limit), else undefined. */
export function transportSkip(o: Observation): Outcome | undefined {
  const error = o.exchange.error;
  if (error && error.code === 'budget-exhausted') return skip('the request budget was used up before this request');
  if (!o.exchange.response) {
    return skip(`no response (${error ? `${error.code}: ${error.message}` : 'nothing received'})`);
  }
  return rateLimitSkip(o);
}

/** Why a stream cannot be judged as a whole: the exchange was cut, or events were not kept. */
export function incompleteReason(o: Observation): string | undefined {
  const error = o.exchange.error;
  if (error) return `the exchange ended early (${error.code}: ${error.message}); the transport checks report it`;
  if (o.stream?.framing.truncated) return 'some events were too long to keep, so the stream is incomplete';
  return undefined;
}

/** `judge()`, or a skip with the reason when the observation is incomplete (see `incompleteReason`). */
export function ifComplete(o: Observation, judge: () => Outcome[]): Outcome[] {
  const cut = incompleteReason(o);
  return cut ? [skip(cut)] : judge();
}

export interface ErrorBody {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

/** The `error` object of a non-stream body, or undefined when the body is not `{error:{…}}`. */
export function errorBody(o: Observation): ErrorBody | undefined {
  const error = dig(o.json, 'error');
  if (!isRecord(error)) return undefined;
  return {
    message: error['message'],
    type: error['type'],
    param: error['param'],
    code: error['code'],
  };
}

/**
 * Whatever text the target used to explain an error: `error.message`, a flat `message`/`detail`, the `msg`s of a
 * FastAPI `detail` list, or the raw body. A body wrapped in a one-element array (Google APIs) is read inside.
 */
export function errorText(o: Observation): string {
  const body = Array.isArray(o.json) && o.json.length === 1 ? o.json[0] : o.json;
  const details = asArray(dig(body, 'detail'))
    .map((d) => dig(d, 'msg'))
    .filter((m) => typeof m === 'string');
  const candidates = [dig(body, 'error', 'message'), dig(body, 'error'), dig(body, 'message'), dig(body, 'detail'), details.join('; ')];
  for (const c of candidates) if (typeof c === 'string' && c.trim() !== '') return c;
  if (o.json === undefined) return o.exchange.response?.excerpt ?? '';
  return '';
}

/**
 * How targets say they lack a feature. Beyond the plain words: OpenAI "Unrecognized request argument supplied: x",
 * pydantic "Extra inputs are not permitted", Groq "'n' : number must be at most 1", Gemini 'Unknown name "x"'.
 */
const UNSUPPORTED = new RegExp(
  [
    String.raw`not\s+support|unsupported|does\s*n[o']t\s+support|not\s+available|no\s+such\s+model`,
    String.raw`model[^.]{0,40}(not\s+found|does\s+not\s+exist|unknown|invalid)`,
    String.raw`(unknown|invalid|unrecognized)\s+(request\s+)?(model|parameter|field|argument)`,
    String.raw`not\s+(found|exist)|不支持|不存在`,
    String.raw`extra\s+(inputs?|fields?)\s+(are\s+)?not\s+permitted`,
    String.raw`\bn['"]?\s*:\s*number\s+must\s+be\s+at\s+most\s+1\b`,
    String.raw`unknown\s+name\s+"`,
  ].join('|'),
  'i',
);

/**
 * A skip when the target plainly says it lacks the capability (400/404/422 whose message says the
 * parameter or model is unsupported or unknown). Such answers are never a pass.
 */
export function unsupportedSkip(o: Observation, what: string): Outcome | undefined {
  const status = statusOf(o);
  if (status !== 400 && status !== 404 && status !== 422) return undefined;
  const text = errorText(o);
  if (!UNSUPPORTED.test(text)) return undefined;
  return skip(`the target says ${what} is not available: HTTP ${status} ${JSON.stringify(text.slice(0, 160))}`);
}
