/**
 * Below the JSON: timing, connection handling, size, bytes and headers of every exchange. The HTTP client cuts an
 * exchange at the run's limits and records why (its message names the bound); these checks turn that into findings.
 * They judge every exchange of the run (scope `run`), once each; a request that was never sent is skipped.
 */

import type { Evidence, Observation, Outcome } from '../core/evidence.ts';
import { bodyBytes, type Exchange, type TransportErrorCode } from '../core/exchange.ts';
import type { Severity } from '../core/vocabulary.ts';
import { headerOf, isRateLimited, runObservations } from './guards.ts';
import { deviation, list, pass, skip } from './outcome.ts';
import { type Check, defineCheck } from './types.ts';

const OPENAI = 'OpenAI convention (assumed)';

/** Nothing reached the target, so no transport rule can be judged. */
const NOT_SENT: ReadonlySet<TransportErrorCode> = new Set(['budget-exhausted', 'aborted']);

const onExchanges = (evidence: Evidence, judge: (o: Observation, exchange: Exchange) => Outcome[]): Outcome[] =>
  runObservations(evidence).flatMap((o) => {
    const { error } = o.exchange;
    if (error && NOT_SENT.has(error.code)) return [skip(`nothing to judge: ${error.code} (${error.message})`)];
    return judge(o, o.exchange);
  });

const bytesSoFar = (exchange: Exchange): string => `${exchange.response?.bodyBytes ?? 0} body bytes in ${exchange.timings.totalMs} ms`;

interface CutRule<Id extends string> {
  id: Id;
  severity: Severity;
  rule: string;
  /** The error codes that break this rule. */
  codes: readonly TransportErrorCode[];
  /** An exchange cut for another reason still shows this rule was kept (the headers did arrive, bytes kept coming). */
  keptDespiteOtherCuts: boolean;
  documented: string;
  received(exchange: Exchange): string;
}

/** A rule broken exactly when the client had to cut the exchange with `code`. */
function cutCheck<const Id extends string>(spec: CutRule<Id>): Check<Id> {
  return {
    id: spec.id,
    area: 'transport',
    severity: spec.severity,
    rule: spec.rule,
    source: OPENAI,
    scope: 'run',
    judgesDamage: true,
    run: (evidence) =>
      onExchanges(evidence, (_o, exchange) => {
        const { error } = exchange;
        if (error && spec.codes.includes(error.code)) {
          // The client's message names the bound it applied (e.g. "no body byte for 400 ms").
          const received = `${spec.received(exchange)}: ${error.message}`;
          return [deviation('fail', error.code, received, `${spec.documented}, a limit of the run (${OPENAI})`)];
        }
        const why = error ? `${error.code} (${error.message})` : 'nothing recorded';
        if (!exchange.response) return [skip(`no response: ${why}`)];
        if (error && !spec.keptDespiteOtherCuts) return [skip(`the exchange ended early: ${why}`)];
        return [pass];
      }),
  };
}

const headersTimely = cutCheck({
  id: 'transport.headers-timely',
  severity: 'high',
  rule: 'The status line and headers arrive within the headers timeout.',
  codes: ['headers-timeout'],
  keptDespiteOtherCuts: true,
  documented: 'response headers within the headers timeout',
  received: (exchange) => `no response headers after ${exchange.timings.totalMs} ms`,
});

const streamProgress = cutCheck({
  id: 'transport.stream-progress',
  severity: 'high',
  rule: 'Once the body has started, no silence lasts longer than the idle timeout.',
  codes: ['idle-timeout'],
  keptDespiteOtherCuts: true,
  documented: 'no gap between body bytes longer than the idle timeout',
  received: (exchange) => `silence after ${bytesSoFar(exchange)}`,
});

const boundedDuration = cutCheck({
  id: 'transport.bounded-duration',
  severity: 'high',
  rule: 'The exchange ends within the total deadline, and a stream within 8× the events its max_tokens allows.',
  codes: ['total-timeout', 'runaway'],
  keptDespiteOtherCuts: false,
  documented: 'the exchange ends within the total deadline, and the answer within what its request allows',
  received: (exchange) => `still receiving after ${bytesSoFar(exchange)}`,
});

const completeBody = cutCheck({
  id: 'transport.complete-body',
  severity: 'high',
  rule: 'The connection is not reset or closed before the body is complete.',
  codes: ['reset'],
  keptDespiteOtherCuts: false,
  documented: 'the body completes before the connection closes',
  received: (exchange) => `the connection closed after ${bytesSoFar(exchange)}`,
});

const bodySize = cutCheck({
  id: 'transport.body-size',
  severity: 'medium',
  rule: 'The body stays under the byte cap.',
  codes: ['too-large'],
  keptDespiteOtherCuts: false,
  documented: 'a body smaller than the byte cap',
  received: (exchange) => `reading stopped at the cap after ${bytesSoFar(exchange)}`,
});

/** Byte offset where the bytes stop being UTF-8 (an unfinished last character does not count), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  const validPrefix = (length: number): boolean => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, length), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  if (validPrefix(bytes.length)) return -1;
  let low = 0;
  let high = bytes.length;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (validPrefix(mid)) low = mid;
    else high = mid;
  }
  return high - 1;
}

function utf8Outcome(exchange: Exchange): Outcome {
  const bytes = bodyBytes(exchange);
  const invalidAt = firstInvalidUtf8(bytes);
  const documented = `a UTF-8 body (application/json and text/event-stream are UTF-8, ${OPENAI})`;
  if (invalidAt >= 0) {
    const hex = Array.from(bytes.subarray(invalidAt, invalidAt + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return deviation('fail', 'invalid-utf8', `bytes ${hex} at body offset ${invalidAt} are not valid UTF-8`, documented);
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A body the client cut may end inside a character; a body the target ended may not.
    const received = `the body ends inside a multi-byte character (${bytes.length} bytes)`;
    if (!exchange.error) return deviation('fail', 'truncated-utf8', received, documented);
  }
  return pass;
}

const validUtf8 = defineCheck({
  id: 'transport.valid-utf8',
  area: 'transport',
  severity: 'high',
  scope: 'run',
  judgesDamage: true,
  rule: 'The body bytes are valid UTF-8.',
  source: OPENAI,
  run: (evidence) => onExchanges(evidence, (_o, exchange) => (exchange.response ? [utf8Outcome(exchange)] : [])),
});

/** Codings the request accepted (q > 0), lower-cased; undefined when the request stated no preference. */
function acceptedCodings(exchange: Exchange): string[] | undefined {
  const header = exchange.request.headers['accept-encoding'];
  if (header === undefined) return undefined;
  return header
    .split(',')
    .map((part) => part.split(';'))
    .filter(([, q]) => !/^\s*q\s*=\s*0(\.0*)?\s*$/i.test(q ?? ''))
    .map(([coding]) => coding!.trim().toLowerCase())
    .concat('identity');
}

const contentEncoding = defineCheck({
  id: 'transport.content-encoding',
  area: 'transport',
  severity: 'medium',
  scope: 'run',
  judgesDamage: true,
  rule: 'No Content-Encoding the request did not accept (the client sends Accept-Encoding: identity); the body decodes.',
  source: OPENAI,
  run: (evidence) =>
    onExchanges(evidence, (o, exchange) => {
      const documented = `only codings the request accepted, and a body that decodes (RFC 9110 §12.5.3, ${OPENAI})`;
      if (exchange.error?.code === 'decoding') {
        return [deviation('fail', 'decoding', `a body that does not decode: ${exchange.error.message}`, documented)];
      }
      const header = headerOf(o, 'content-encoding');
      if (!exchange.response) return [];
      const codings = (header ?? '')
        .split(',')
        .map((c) => c.trim().toLowerCase())
        .filter((c) => c !== '');
      const accepted = acceptedCodings(exchange);
      const unasked = accepted ? codings.filter((c) => !accepted.includes(c) && !accepted.includes('*')) : [];
      if (unasked.length === 0) return [pass];
      const received = `Content-Encoding: ${header} for Accept-Encoding: ${exchange.request.headers['accept-encoding']}`;
      return [deviation('fail', `unrequested:${unasked.join(',')}`, received, documented)];
    }),
});

const notRateLimited = defineCheck({
  id: 'transport.not-rate-limited',
  area: 'transport',
  severity: 'medium',
  judgesDamage: true,
  rule: 'A request is not still rate limited (429, or 503 with Retry-After) after the client has retried (as Retry-After asked, or backing off).',
  source: OPENAI,
  scope: 'run',
  run: (evidence) =>
    onExchanges(evidence, (o, exchange) => {
      const status = exchange.response?.status;
      if (status === undefined) return [];
      // A bare 503 is the server failing, not a rate limit: the rule of the request it answered judges it.
      if (!isRateLimited(o)) return [pass];
      const retries = exchange.retries.map(
        (r) => `${r.status} at ${r.atMs} ms (${r.retryAfter ? 'Retry-After' : 'back-off'} ${r.waitMs} ms)`,
      );
      const retryAfter = headerOf(o, 'retry-after');
      const final = `HTTP ${status}${retryAfter === undefined ? '' : ` (Retry-After: ${retryAfter})`}`;
      const count = retries.length === 1 ? '1 retry' : `${retries.length} retries`;
      const history = retries.length === 0 ? 'no retry' : `${count}: ${list(retries, 5)}`;
      const documented = `an answer within the client's retries, which honour Retry-After (${OPENAI})`;
      return [deviation('fail', `status:${status}`, `${final} after ${history}`, documented)];
    }),
});

export const transportChecks = [
  headersTimely,
  streamProgress,
  boundedDuration,
  completeBody,
  bodySize,
  validUtf8,
  contentEncoding,
  notRateLimited,
] as const;
