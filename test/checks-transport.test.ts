import fc from 'fast-check';
import { expect, test } from 'vitest';
import { transportChecks } from '../src/checks/transport.ts';
import type { Observation } from '../src/core/evidence.ts';
import type { TransportError } from '../src/core/exchange.ts';
import { checkTable, type Row } from './support/check-table.ts';
import { chunkSequence, completion, runCheck } from './support/chunks.ts';
import { type FakeResponse, fakeComparison, fakeObservation, sseBody } from './support/evidence.ts';
import { boundary } from './support/requests.ts';

const table = (id: string, rows: Row[]) => checkTable(transportChecks, id, rows);

/** An exchange as the HTTP client records it: it always sends Accept-Encoding: identity. */
function exchange(spec: FakeResponse = {}, acceptEncoding: string | null = 'identity'): Observation {
  const o = fakeObservation({ body: JSON.stringify(completion()), ...spec });
  if (acceptEncoding !== null) o.exchange.request.headers['accept-encoding'] = acceptEncoding;
  return o;
}

const error = (code: TransportError['code'], message: string) => ({ error: { code, message } });
const headersTimeout = () => exchange({ noResponse: true, body: [], ...error('headers-timeout', 'no response headers within 400 ms') });
const idleTimeout = () =>
  exchange({
    headers: { 'content-type': 'text/event-stream' },
    body: sseBody(chunkSequence()).slice(0, 3),
    ...error('idle-timeout', 'no body byte for 400 ms'),
  });
const totalTimeout = () =>
  exchange({
    headers: { 'content-type': 'text/event-stream' },
    body: sseBody(chunkSequence()).slice(0, 5),
    ...error('total-timeout', 'the exchange exceeded its 3000 ms deadline'),
  });
const reset = () => exchange({ body: ['{"id":"chatcmpl-', 'abc"'], ...error('reset', 'other side closed') });
const tooLarge = () =>
  exchange({ body: ['{"id":', ' '.repeat(64)], ...error('too-large', 'the body exceeded 70 bytes; reading stopped there') });
const refused = () => exchange({ noResponse: true, body: [], ...error('refused', 'connect ECONNREFUSED 127.0.0.1:1') });
const notSent = () =>
  exchange({ noResponse: true, body: [], ...error('budget-exhausted', 'the request budget (4) is used up; nothing was sent') });
const stream = () => exchange({ headers: { 'content-type': 'text/event-stream' }, body: sseBody(chunkSequence()) });
/** What the engine records for a request the breaker kept back after the target stopped answering. */
const aborted = () => exchange({ noResponse: true, body: [], ...error('aborted', 'not sent: the target stopped answering') });

table('transport.headers-timely', [
  { name: 'headers that arrived pass', given: () => exchange(), want: 'pass' },
  { name: 'fault slow-headers names the bound', given: headersTimeout, want: 'fail', key: 'headers-timeout', says: 'within 400 ms' },
  { name: 'a body cut later still had timely headers', given: idleTimeout, want: 'pass' },
  { name: 'a refused connection is skipped', given: refused, want: 'skip' },
  { name: 'a request never sent is skipped', given: notSent, want: 'skip' },
  { name: 'a request the breaker kept back is skipped', given: aborted, want: 'skip' },
]);

test('every transport check judges the whole run, and skips what was never sent', () => {
  for (const check of transportChecks) {
    expect(check.scope, check.id).toBe('run');
    for (const o of [notSent(), aborted()])
      expect(
        check.run(o, { profile: 'strict', model: 'm' }).map((x) => x.verdict),
        check.id,
      ).toEqual(['skip']);
  }
});

test('a rejected request is judged once, though its health comparison repeats it', () => {
  const rejected = reset();
  expect(
    runCheck(transportChecks, 'transport.complete-body', fakeComparison('health-after-reject', rejected, exchange())).map((o) => o.verdict),
  ).toEqual(['pass']);
});

table('transport.stream-progress', [
  { name: 'a complete stream passes', given: stream, want: 'pass' },
  { name: 'fault stall names the bound', given: idleTimeout, want: 'fail', key: 'idle-timeout', says: 'no body byte for 400 ms' },
  { name: 'a stream cut by the deadline kept making progress', given: totalTimeout, want: 'pass' },
  { name: 'no response is skipped', given: headersTimeout, want: 'skip' },
]);

table('transport.bounded-duration', [
  { name: 'a complete stream passes', given: stream, want: 'pass' },
  { name: 'fault endless names the bound', given: totalTimeout, want: 'fail', key: 'total-timeout', says: '3000 ms deadline' },
  { name: 'a stream cut for silence is skipped', given: idleTimeout, want: 'skip' },
]);

table('transport.complete-body', [
  { name: 'a complete body passes', given: () => exchange(), want: 'pass' },
  { name: 'fault reset', given: reset, want: 'fail', key: 'reset', says: 'other side closed' },
  { name: 'a body cut at the byte cap is skipped', given: tooLarge, want: 'skip' },
]);

table('transport.body-size', [
  { name: 'a small body passes', given: () => exchange(), want: 'pass' },
  { name: 'fault huge-body names the cap', given: tooLarge, want: 'fail', key: 'too-large', says: 'exceeded 70 bytes' },
  { name: 'a reset body is skipped', given: reset, want: 'skip' },
]);

const encoder = new TextEncoder();
const withByte = (text: string, at: number, byte: number) => {
  const bytes = encoder.encode(text);
  return Uint8Array.from([...bytes.subarray(0, at), byte, ...bytes.subarray(at)]);
};
const llama = encoder.encode('{"c":"🦙"}');

table('transport.valid-utf8', [
  {
    name: 'multi-byte text passes',
    given: () => exchange({ body: JSON.stringify(completion({ tokens: ['🦙', ' 漢字'] })) }),
    want: 'pass',
  },
  {
    name: 'a character split across reads passes',
    given: () => exchange({ body: [llama.subarray(0, 7), llama.subarray(7)] }),
    want: 'pass',
  },
  {
    name: 'fault invalid-utf8 gives the offset',
    given: () => exchange({ body: [withByte('{"content":"hi"}', 12, 0xff)] }),
    want: 'fail',
    key: 'invalid-utf8',
    says: 'ff 68 69 22 at body offset 12',
  },
  {
    name: 'a surrogate encoded in UTF-8 fails',
    given: () => exchange({ body: [Uint8Array.from([0x22, 0xed, 0xa0, 0x80, 0x22])] }),
    want: 'fail',
  },
  {
    name: 'a clean body ending inside a character fails',
    given: () => exchange({ body: [llama.subarray(0, 7)] }),
    want: 'fail',
    key: 'truncated-utf8',
  },
  {
    name: 'a cut body ending inside a character passes',
    given: () => exchange({ body: [llama.subarray(0, 7)], ...error('reset', 'other side closed') }),
    want: 'pass',
  },
  {
    name: 'an invalid byte in a stream fails',
    given: () =>
      exchange({ headers: { 'content-type': 'text/event-stream' }, body: [withByte(sseBody(chunkSequence()).join(''), 30, 0xc0)] }),
    want: 'fail',
  },
  { name: 'no response is not its business', given: refused, want: 'none' },
]);

table('transport.content-encoding', [
  { name: 'no Content-Encoding passes', given: () => exchange(), want: 'pass' },
  { name: 'Content-Encoding: identity passes', given: () => exchange({ headers: { 'content-encoding': 'identity' } }), want: 'pass' },
  {
    name: 'fault wrong-encoding: gzip although identity was asked for',
    given: () => exchange({ headers: { 'content-encoding': 'gzip' } }),
    want: 'fail',
    key: 'unrequested:gzip',
  },
  {
    name: 'gzip when gzip was accepted passes',
    given: () => exchange({ headers: { 'content-encoding': 'gzip' } }, 'gzip, br'),
    want: 'pass',
  },
  {
    name: 'gzip refused with q=0 fails',
    given: () => exchange({ headers: { 'content-encoding': 'gzip' } }, 'gzip;q=0, identity'),
    want: 'fail',
  },
  {
    name: 'a request without a preference accepts any coding',
    given: () => exchange({ headers: { 'content-encoding': 'br' } }, null),
    want: 'pass',
  },
  {
    name: 'a body that does not decode fails',
    given: () => exchange({ ...error('decoding', 'incorrect header check') }),
    want: 'fail',
    key: 'decoding',
  },
]);

const limited = (status: number, retries: number) => () => {
  const o = exchange({ status, headers: { 'retry-after': '1' }, body: JSON.stringify({ error: { message: 'slow down' } }) });
  o.exchange.retries = Array.from({ length: retries }, (_, i) => ({ status, waitMs: 1000, retryAfter: true, atMs: 5 + i * 1005 }));
  return o;
};

table('transport.not-rate-limited', [
  { name: 'a 200 passes', given: () => exchange(), want: 'pass' },
  { name: 'a 400 is not a rate limit', given: () => exchange({ status: 400 }), want: 'pass' },
  {
    name: 'fault rate-limited shows the retries',
    given: limited(429, 2),
    want: 'fail',
    key: 'status:429',
    says: 'after 2 retries: 429 at 5 ms (Retry-After 1000 ms)',
  },
  { name: 'a 503 with Retry-After and no retries fails', given: limited(503, 0), want: 'fail', key: 'status:503' },
  {
    name: 'a bare 503 is a server failure, not a rate limit',
    given: () => exchange({ status: 503, body: JSON.stringify({ error: { message: 'engine down' } }) }),
    want: 'pass',
  },
  {
    name: 'a 429 on a boundary row is judged too',
    given: () => boundary({ param: 'n', value: 2, expected: 'accept', side: 'edge' }, limited(429, 1)()),
    want: 'fail',
  },
  { name: 'no response is not its business', given: refused, want: 'none' },
]);

test('transport checks judge every observation of a comparison', () => {
  const pair = fakeComparison('stream-vs-nonstream', exchange(), reset());
  expect(runCheck(transportChecks, 'transport.complete-body', pair).map((o) => o.verdict)).toEqual(['pass', 'fail']);
});

test('no transport check throws on hostile exchanges', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.string(), fc.string(), (bytes, coding, accept) => {
      const o = exchange({ headers: { 'content-encoding': coding }, body: [bytes] }, accept);
      for (const check of transportChecks) expect(() => check.run(o, { profile: 'strict', model: 'm' })).not.toThrow();
    }),
    { numRuns: 100 },
  );
});
