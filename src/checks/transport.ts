/**
 * Below the JSON: timing, connection handling, size, bytes and headers of every exchange. The HTTP client cuts an
 * exchange at the run's limits and records why (its message names the bound); these checks turn that into findings.
 * They apply to every observation they are given.
 */
import { bodyBytes, type Exchange, type TransportErrorCode } from '../http/exchange.ts';
import { headerOf, observations } from './guards.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import type { Check, Evidence, Observation, Outcome, Severity } from './types.ts';

const OPENAI = 'OpenAI convention (assumed)';

/** Nothing reached the target, so no transport rule can be judged. */
const NOT_SENT: ReadonlySet<TransportErrorCode> = new Set(['budget-exhausted', 'aborted']);

const onExchanges = (evidence: Evidence, judge: (o: Observation, exchange: Exchange) => Outcome[]): Outcome[] =>
  observations(evidence).flatMap((o) => {
    const { error } = o.exchange;
    if (error && NOT_SENT.has(error.code)) return [skip(`nothing to judge: ${error.code} (${error.message})`)];
    return judge(o, o.exchange);
  });

const bytesSoFar = (exchange: Exchange): string =>
  `${exchange.response?.bodyBytes ?? 0} body bytes in ${exchange.timings.totalMs} ms`;

interface CutRule {
  id: string;
  severity: Severity;
  rule: string;
  /** The error code that breaks this rule. */
  code: TransportErrorCode;
  /** Whether an exchange cut for another reason still shows this rule was kept (e.g. headers did arrive). */
  keptDespite(exchange: Exchange): boolean;
  documented: string;
  received(exchange: Exchange): string;
}

/** A rule broken exactly when the client had to cut the exchange with `code`. */
function cutCheck(spec: CutRule): Check {
  return {
    id: spec.id,
    area: 'transport',
    severity: spec.severity,
    rule: spec.rule,
    source: OPENAI,
    run: (evidence) =>
      onExchanges(evidence, (_o, exchange) => {
        const { error } = exchange;
        if (error?.code === spec.code) {
          return [fail(spec.code, receivedDocumented(`${spec.received(exchange)}: ${error.message}`, `${spec.documented}, a limit of the run (${OPENAI})`))];
        }
        if (!exchange.response) return [skip(`no response: ${error?.code ?? 'none'} (${error?.message ?? 'nothing recorded'})`)];
        if (error && !spec.keptDespite(exchange)) return [skip(`the exchange ended with ${error.code} (${error.message}) before this could be judged`)];
        return [pass];
      }),
  };
}

const headersTimely = cutCheck({
  id: 'transport.headers-timely',
  severity: 'high',
  rule: 'The status line and headers arrive within the headers timeout.',
  code: 'headers-timeout',
  keptDespite: () => true,
  documented: 'response headers within the headers timeout',
  received: (exchange) => `no response headers after ${exchange.timings.totalMs} ms`,
});

const streamProgress = cutCheck({
  id: 'transport.stream-progress',
  severity: 'high',
  rule: 'Once the body has started, no silence lasts longer than the idle timeout.',
  code: 'idle-timeout',
  keptDespite: () => true,
  documented: 'no gap between body bytes longer than the idle timeout',
  received: (exchange) => `silence after ${bytesSoFar(exchange)}`,
});

const boundedDuration = cutCheck({
  id: 'transport.bounded-duration',
  severity: 'high',
  rule: 'The whole exchange completes within the total deadline.',
  code: 'total-timeout',
  keptDespite: () => false,
  documented: 'the exchange completes within the total deadline',
  received: (exchange) => `still receiving after ${bytesSoFar(exchange)}`,
});

const completeBody = cutCheck({
  id: 'transport.complete-body',
  severity: 'high',
  rule: 'The connection is not reset or closed before the body is complete.',
  code: 'reset',
  keptDespite: () => false,
  documented: 'the body completes before the connection closes',
  received: (exchange) => `the connection closed after ${bytesSoFar(exchange)}`,
});

const bodySize = cutCheck({
  id: 'transport.body-size',
  severity: 'medium',
  rule: 'The body stays under the byte cap.',
  code: 'too-large',
  keptDespite: () => false,
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
    return fail('invalid-utf8', receivedDocumented(`bytes ${hex} at body offset ${invalidAt} are not valid UTF-8`, documented));
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A body the client cut may end inside a character; a body the target ended may not.
    if (!exchange.error) return fail('truncated-utf8', receivedDocumented(`the body ends inside a multi-byte character (${bytes.length} bytes)`, documented));
  }
  return pass;
}

const validUtf8: Check = {
  id: 'transport.valid-utf8',
  area: 'transport',
  severity: 'high',
  rule: 'The body bytes are valid UTF-8.',
  source: OPENAI,
  run: (evidence) => onExchanges(evidence, (_o, exchange) => (exchange.response ? [utf8Outcome(exchange)] : [])),
};

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

const contentEncoding: Check = {
  id: 'transport.content-encoding',
  area: 'transport',
  severity: 'medium',
  rule: 'No Content-Encoding the request did not accept (the client sends Accept-Encoding: identity), and the body decodes.',
  source: OPENAI,
  run: (evidence) =>
    onExchanges(evidence, (o, exchange) => {
      if (exchange.error?.code === 'decoding') {
        return [fail('decoding', receivedDocumented(`a body that does not decode: ${exchange.error.message}`, `a body in an encoding the request accepted (${OPENAI})`))];
      }
      if (!exchange.response) return [];
      const codings = (headerOf(o, 'content-encoding') ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
      const accepted = acceptedCodings(exchange);
      const unasked = accepted ? codings.filter((c) => !accepted.includes(c) && !accepted.includes('*')) : [];
      if (unasked.length === 0) return [pass];
      const received = `Content-Encoding: ${headerOf(o, 'content-encoding')} for a request with Accept-Encoding: ${exchange.request.headers['accept-encoding']}`;
      return [fail(`unrequested:${unasked.join(',')}`, receivedDocumented(received, `only codings the request accepted (RFC 9110 §12.5.3, ${OPENAI})`))];
    }),
};

const notRateLimited: Check = {
  id: 'transport.not-rate-limited',
  area: 'transport',
  severity: 'medium',
  rule: 'A request is not still refused with 429 or 503 after the client has retried as Retry-After asked.',
  source: OPENAI,
  run: (evidence) =>
    onExchanges(evidence, (o, exchange) => {
      const status = exchange.response?.status;
      if (status === undefined) return [];
      if (status !== 429 && status !== 503) return [pass];
      const retries = exchange.retries.map((r) => `${r.status} at ${r.atMs} ms (Retry-After ${r.retryAfterMs} ms)`);
      const retryAfter = headerOf(o, 'retry-after');
      const received = `HTTP ${status}${retryAfter === undefined ? '' : ` (Retry-After: ${retryAfter})`} after ${retries.length} retr${retries.length === 1 ? 'y' : 'ies'}${retries.length > 0 ? `: ${retries.join(', ')}` : ''}`;
      return [fail(`status:${status}`, receivedDocumented(received, `an answer within the client's retries, which honour Retry-After (${OPENAI})`))];
    }),
};

export const transportChecks: Check[] = [
  headersTimely,
  streamProgress,
  boundedDuration,
  completeBody,
  bodySize,
  validUtf8,
  contentEncoding,
  notRateLimited,
];
