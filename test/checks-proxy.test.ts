/**
 * The proxy checks on evidence built by hand: for each rule, the smallest difference between what the client sent
 * or got and what the upstream received or sent that breaks it, and the same evidence without that difference.
 */
import { describe, expect, test } from 'vitest';
import { alignEvents } from '../src/checks/proxy-answers.ts';
import { differences } from '../src/checks/proxy-differential.ts';
import { diffFields, jsonEqual } from '../src/checks/proxy-fields.ts';
import { findCheck } from '../src/checks/registry.ts';
import type { Observation, Outcome, ProxiedEvidence, ProxiedExchange } from '../src/core/evidence.ts';
import { PROXY_TAGS, type UpstreamScript, type UpstreamSeen } from '../src/core/upstream.ts';
import { marked } from '../src/engine/proxied-io.ts';
import { seenByUpstream } from '../src/engine/upstream-seen.ts';
import { type FakeResponse, fakeObservation, sseBody } from './support/evidence.ts';

const judge = (id: string, evidence: ProxiedEvidence): Outcome[] => findCheck(id)!.run(evidence, { profile: 'strict', model: 'm' });
const verdicts = (outcomes: Outcome[]) => outcomes.map((o) => ('finding' in o ? `${o.verdict}:${o.finding.key}` : o.verdict));

/** A client observation; `startMs` puts it on the upstream's clock. */
function client(spec: FakeResponse, startMs = 1000): Observation {
  const o = fakeObservation(spec);
  o.exchange.timings.startMs = startMs;
  if (spec.headers?.['authorization'] === undefined && spec.tags?.includes('no-key')) delete o.exchange.request.headers['authorization'];
  return o;
}

function seen(extra: Partial<UpstreamSeen> = {}): UpstreamSeen {
  return {
    receivedAtMs: 1001,
    body: '{}',
    bodyBytes: 2,
    headers: {},
    authorization: 'client-key',
    keyElsewhere: [],
    status: 200,
    responseHeaders: { 'content-type': 'application/json' },
    responseBody: '{}',
    end: { atMs: 1050, how: 'finished' },
    ...extra,
  };
}

const evidence = (tag: string, exchanges: ProxiedExchange[], deterministic = true): ProxiedEvidence => ({
  kind: 'proxied',
  probe: 'fake',
  tags: [tag],
  exchanges,
  deterministic,
});

const ANSWER: UpstreamScript = { kind: 'answer' };

const chunk = (id: string, content: string | null, extra: Record<string, unknown> = {}) => ({
  id,
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: null }],
  ...extra,
});
const USAGE = {
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
};

/** An upstream stream of these payloads, written 100 ms apart from `from`. */
const upstreamStream = (payloads: unknown[], from = 1010, gap = 100): Partial<UpstreamSeen> => {
  const events = [...payloads.map((p) => JSON.stringify(p)), '[DONE]'].map((data, i) => ({ data, atMs: from + i * gap }));
  return {
    events,
    responseHeaders: { 'content-type': 'text/event-stream' },
    responseBody: events.map((e) => `data: ${e.data}\n\n`).join(''),
  };
};

const streamed = (payloads: unknown[], gapMs = 100, done = true) =>
  client({ headers: { 'content-type': 'text/event-stream' }, body: sseBody(payloads, { done }), gapMs, sent: { stream: true } });

describe('field by field', () => {
  test('JSON equality ignores key order and number spelling, and diffs name what changed', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, JSON.parse('{"b":[1.0,{"c":2}],"a":1}'))).toBe(true);
    const rows = diffFields({ t: 1.5, o: { x: true, y: 1 }, k: 2 }, { t: 1, o: { x: true, y: 2 }, z: 0 });
    expect(rows).toEqual([
      { field: 't', change: 'changed', sent: 1.5, received: 1 },
      { field: 'o.y', change: 'changed', sent: 1, received: 2 },
      { field: 'k', change: 'dropped', sent: 2 },
      { field: 'z', change: 'added', received: 0 },
    ]);
  });

  test('stream alignment names a dropped usage chunk and an added [DONE]', () => {
    expect(alignEvents(['a', '{"u":1}', '[DONE]'], ['a', '[DONE]'])).toEqual([{ kind: 'dropped', position: 1, upstream: '{"u":1}' }]);
    expect(alignEvents(['a', 'b'], ['a', 'b', '[DONE]'])).toEqual([{ kind: 'added', position: 2, client: '[DONE]' }]);
    expect(alignEvents(['{"a":1}', 'x'], ['{"a":2}', 'x']).map((m) => m.kind)).toEqual(['changed']);
  });
});

describe('proxy.request-fidelity', () => {
  const sent = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 1.5, separate_reasoning: true };
  const through = (received: unknown, auth: Partial<UpstreamSeen> = {}, tags: string[] = []) =>
    evidence(PROXY_TAGS.request, [
      { client: client({ sent, tags }), script: ANSWER, upstream: [seen({ body: JSON.stringify(received), ...auth })] },
    ]);

  test('an unchanged request passes; a dropped or clamped field fails, one per field; an added field warns', () => {
    expect(verdicts(judge('proxy.request-fidelity', through(sent)))).toEqual(['pass', 'pass']);
    const { separate_reasoning: _dropped, ...rest } = sent;
    expect(verdicts(judge('proxy.request-fidelity', through({ ...rest, temperature: 1 })))).toEqual([
      'pass',
      'fail:changed:temperature',
      'fail:dropped:separate_reasoning',
    ]);
    expect(verdicts(judge('proxy.request-fidelity', through({ ...sent, stream_options: { include_usage: true } })))).toEqual([
      'pass',
      'warn:added:stream_options',
    ]);
    expect(verdicts(judge('proxy.request-fidelity', through({ ...sent, model: 'mapped' })))).toEqual(['pass', 'warn:changed:model']);
  });

  test('Authorization: a placeholder fails, the client key beside a substituted one fails, a dropped one warns', () => {
    expect(
      verdicts(
        judge('proxy.request-fidelity', through(sent, { authorization: 'placeholder', headers: { authorization: 'Bearer undefined' } })),
      )[0],
    ).toBe('fail:authorization-placeholder');
    expect(
      verdicts(judge('proxy.request-fidelity', through(sent, { authorization: 'upstream-key', keyElsewhere: ['x-api-key'] })))[0],
    ).toBe('fail:client-key-leaked');
    expect(verdicts(judge('proxy.request-fidelity', through(sent, { authorization: 'absent' })))[0]).toBe('warn:authorization-dropped');
    expect(verdicts(judge('proxy.request-fidelity', through(sent, { authorization: 'upstream-key' })))[0]).toBe('pass');
  });

  test('a request the proxy answered itself fails, unless it carried no key', () => {
    const answeredHere = (tags: string[]) =>
      evidence(PROXY_TAGS.request, [{ client: client({ sent, status: 400, tags }), script: ANSWER, upstream: [] }]);
    expect(verdicts(judge('proxy.request-fidelity', answeredHere([])))).toEqual(['fail:not-forwarded']);
    expect(verdicts(judge('proxy.request-fidelity', answeredHere(['no-key'])))).toEqual(['skip']);
  });
});

describe('proxy.response-fidelity', () => {
  const payloads = [chunk('c1', 'Hi'), chunk('c1', null), USAGE];
  const judged = (got: Observation, up: Partial<UpstreamSeen> = upstreamStream(payloads)) =>
    verdicts(judge('proxy.response-fidelity', evidence(PROXY_TAGS.response, [{ client: got, script: ANSWER, upstream: [seen(up)] }])));

  test('every event as sent passes; a dropped usage chunk fails; an added field warns', () => {
    expect(judged(streamed(payloads))).toEqual(['pass']);
    expect(judged(streamed(payloads.slice(0, 2)))).toEqual(['fail:usage-chunk-dropped']);
    expect(judged(streamed([chunk('c1', 'Hi', { provider: 'x' }), chunk('c1', null), USAGE]))).toEqual(['warn:event-fields-added']);
    expect(judged(streamed(payloads, 100, false))).toEqual(['fail:done-dropped']);
  });

  test('a non-stream body is compared as JSON; a cut or hung client fails; error answers are left to status-fidelity', () => {
    const body = { id: 'x', choices: [{ index: 0, message: { content: 'a' } }] };
    const up = { responseBody: JSON.stringify(body) };
    expect(judged(client({ body: JSON.stringify(body, null, 2) }), up)).toEqual(['pass']);
    expect(judged(client({ body: JSON.stringify({ ...body, id: 'y' }) }), up)).toEqual(['fail:body-changed']);
    expect(judged(client({ body: '{"id"', error: { code: 'reset', message: 'closed' } }), up)).toEqual(['fail:cut-short']);
    expect(judged(client({ body: '{"id"', error: { code: 'idle-timeout', message: 'no byte for 1000 ms' } }), up)).toEqual(['fail:hung']);
    expect(judged(client({ status: 401, body: '{}' }), { ...up, status: 401 })).toEqual(['skip']);
  });
});

describe('proxy.status-fidelity', () => {
  const upstreamError = (status: number, retryAfter?: string): Partial<UpstreamSeen> => ({
    status,
    responseBody: JSON.stringify({ error: { message: 'no', type: 't', code: `c${status}` } }),
    responseHeaders: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
  });
  const judged = (script: UpstreamScript, got: Observation, up: Partial<UpstreamSeen>) =>
    verdicts(judge('proxy.status-fidelity', evidence(PROXY_TAGS.status, [{ client: got, script, upstream: [seen(up)] }])));
  const errorBody = (status: number) => JSON.stringify({ error: { message: 'no', type: 't', code: `c${status}` } });

  test('a 4xx passes with its status, error object and Retry-After, and fails without any of them', () => {
    const script: UpstreamScript = { kind: 'error', status: 429, retryAfter: '2' };
    expect(judged(script, client({ status: 429, body: errorBody(429), headers: { 'retry-after': '2' } }), upstreamError(429, '2'))).toEqual(
      ['pass'],
    );
    expect(judged(script, client({ status: 429, body: errorBody(429) }), upstreamError(429, '2'))).toEqual(['fail:retry-after-changed']);
    expect(judged(script, client({ status: 500, body: errorBody(429) }), upstreamError(429, '2'))).toEqual(['fail:status-429']);
    expect(
      judged({ kind: 'error', status: 400 }, client({ status: 400, body: '{"error":{"message":"other"}}' }), upstreamError(400)),
    ).toEqual(['fail:error-object-changed']);
  });

  test('a 5xx or a refused connection becomes a 5xx, never a success', () => {
    expect(judged({ kind: 'error', status: 500 }, client({ status: 502, body: '{}' }), upstreamError(500))).toEqual(['pass']);
    expect(judged({ kind: 'error', status: 500 }, client({ status: 200, body: '{}' }), upstreamError(500))).toEqual([
      'fail:upstream-error-as-success',
    ]);
    expect(judged({ kind: 'refuse' }, client({ status: 502, body: '{}' }), { status: undefined })).toEqual(['pass']);
    expect(judged({ kind: 'refuse' }, client({ status: 500, body: '{}' }), { status: undefined })).toEqual(['warn:refused-as-500']);
    expect(
      judged({ kind: 'refuse' }, client({ noResponse: true, error: { code: 'reset', message: 'closed' } }), { status: undefined }),
    ).toEqual(['fail:no-answer']);
  });
});

describe('proxy.no-buffering', () => {
  const payloads = [chunk('c1', 'a'), chunk('c1', 'b'), chunk('c1', 'c'), chunk('c1', 'd')];
  /** Upstream writes at 1010, 1110, …; the client's reads arrive `gapMs` apart from its own 10 ms. */
  const judged = (got: Observation) =>
    verdicts(
      judge(
        'proxy.no-buffering',
        evidence(PROXY_TAGS.pacing, [{ client: got, script: ANSWER, upstream: [seen(upstreamStream(payloads))] }]),
      ),
    );

  test('events that arrive as written pass; a burst at the end fails twice over', () => {
    expect(judged(streamed(payloads, 100))).toEqual(['pass']);
    const burst = streamed(payloads, 0);
    burst.exchange.timings.startMs = 1600;
    expect(judged(burst)).toEqual(['fail:first-event-held', 'fail:burst']);
  });

  test('a stream held until the run cut it fails', () => {
    const held = client({
      headers: { 'content-type': 'text/event-stream' },
      body: [],
      sent: { stream: true },
      error: { code: 'idle-timeout', message: 'no body byte for 3000 ms' },
    });
    expect(judged(held)).toEqual(['fail:held']);
  });
});

describe('proxy.honest-truncation', () => {
  const cut: Partial<UpstreamSeen> = { ...upstreamStream([chunk('c1', 'a'), chunk('c1', 'b')]), end: { atMs: 1300, how: 'cut' } };
  const judged = (got: Observation) =>
    verdicts(
      judge(
        'proxy.honest-truncation',
        evidence(PROXY_TAGS.cut, [{ client: got, script: { kind: 'cut', afterEvents: 2 }, upstream: [seen(cut)] }]),
      ),
    );

  test('a clean [DONE] after the cut fails; breaking off, or an error event first, passes; hanging fails', () => {
    expect(judged(streamed([chunk('c1', 'a'), chunk('c1', 'b')]))).toEqual(['fail:done-after-cut']);
    expect(judged(streamed([chunk('c1', 'a'), chunk('c1', 'b')], 10, false))).toEqual(['pass']);
    expect(judged(streamed([chunk('c1', 'a'), { error: { message: 'upstream failed' } }]))).toEqual(['pass']);
    const hung = client({
      headers: { 'content-type': 'text/event-stream' },
      body: sseBody([chunk('c1', 'a')], { done: false }),
      sent: { stream: true },
      error: { code: 'idle-timeout', message: 'no body byte' },
    });
    expect(judged(hung)).toEqual(['fail:hung']);
  });
});

describe('proxy.cancellation', () => {
  /** The client left at 1000 + 50 = 1050 on the upstream's clock. */
  const left = () => {
    const o = streamed([chunk('c1', 'a')], 10, false);
    o.exchange.error = { code: 'left', message: 'the client left' };
    o.exchange.timings.totalMs = 50;
    return o;
  };
  const judged = (end: UpstreamSeen['end']) =>
    verdicts(
      judge(
        'proxy.cancellation',
        evidence(PROXY_TAGS.cancel, [
          {
            client: left(),
            script: ANSWER,
            upstream: [seen({ ...upstreamStream([chunk('c1', 'a')]), ...(end ? { end } : { end: undefined }) })],
          },
        ]),
      ),
    );

  test('the upstream let go in time passes; late, never, or streaming to the end fails', () => {
    expect(judged({ atMs: 1100, how: 'peer-left' })).toEqual(['pass']);
    expect(judged({ atMs: 2200, how: 'peer-left' })).toEqual(['fail:late']);
    expect(judged({ atMs: 3000, how: 'finished' })).toEqual(['fail:not-passed-on']);
    expect(judged(undefined)).toEqual(['fail:kept-streaming']);
    expect(judged({ atMs: 1040, how: 'finished' })).toEqual(['skip']);
    expect(judged({ atMs: 1500, how: 'finished' })).toEqual(['skip']);
  });
});

describe('proxy.isolation', () => {
  const one = (id: string, received: unknown[], start = 1000): ProxiedExchange => ({
    client: streamed(received),
    script: ANSWER,
    upstream: [
      seen({ ...upstreamStream([chunk(id, 'a'), chunk(id, 'b')]), receivedAtMs: start, end: { atMs: start + 500, how: 'finished' } }),
    ],
  });

  test('a chunk of the other stream fails; streams apart pass; streams that never overlapped are skipped', () => {
    expect(
      verdicts(judge('proxy.isolation', evidence(PROXY_TAGS.isolation, [one('A', [chunk('A', 'a')]), one('B', [chunk('B', 'a')])]))),
    ).toEqual(['pass', 'pass']);
    expect(
      verdicts(
        judge(
          'proxy.isolation',
          evidence(PROXY_TAGS.isolation, [one('A', [chunk('A', 'a')]), one('B', [chunk('A', 'b'), chunk('B', 'a')])]),
        ),
      ),
    ).toEqual(['pass', 'fail:mixed']);
    expect(verdicts(judge('proxy.isolation', evidence(PROXY_TAGS.isolation, [one('A', [chunk('B', 'a')]), one('B', [], 3000)])))).toEqual([
      'skip',
    ]);
  });
});

describe('proxy.limits', () => {
  test('a large request the proxy refused fails; one that arrived whole and was answered whole passes', () => {
    const sent = { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(100) }] };
    const refused = evidence(PROXY_TAGS.limits, [{ client: client({ sent, status: 413, body: '{}' }), script: ANSWER, upstream: [] }]);
    expect(verdicts(judge('proxy.limits', refused))).toEqual(['fail:refused']);
    const whole = evidence(PROXY_TAGS.limits, [
      {
        client: client({ sent, body: '{"ok":1}' }),
        script: ANSWER,
        upstream: [seen({ body: JSON.stringify(sent), responseBody: '{"ok":1}' })],
      },
    ]);
    expect(verdicts(judge('proxy.limits', whole))).toEqual(['pass']);
  });
});

describe('proxy.matches-direct', () => {
  const pair = (direct: Observation, proxied: Observation, deterministic = true) =>
    verdicts(judge('proxy.matches-direct', evidence(PROXY_TAGS.differential, [{ client: proxied, direct }], deterministic)));
  const answer = (content: string, extra: Record<string, unknown> = {}) =>
    client({
      body: JSON.stringify({
        id: 'x',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
        ...extra,
      }),
    });

  test('the same answer passes; another status or a dropped field fails; other content fails only when deterministic', () => {
    expect(pair(answer('a'), answer('a'))).toEqual(['pass']);
    expect(pair(client({ status: 400, body: '{"error":{"message":"m","type":"t"}}' }), client({ status: 200, body: '{}' }))).toEqual([
      'fail:status',
    ]);
    expect(pair(answer('a', { system_fingerprint: 'f' }), answer('a'))).toEqual(['fail:shape-dropped']);
    expect(pair(answer('a'), answer('b'), false)).toEqual(['warn:content']);
    expect(pair(answer('a'), answer('b'), true)).toEqual(['fail:content']);
    expect(
      differences(
        client({ status: 404, body: '{"error":{"message":"a","code":"x"}}' }),
        client({ status: 404, body: '{"error":{"message":"b","code":"x"}}' }),
        true,
      ).map((d) => d.key),
    ).toEqual(['error-message']);
  });
});

describe('what the upstream saw, as evidence', () => {
  const record = (authorization?: string, more: Record<string, string> = {}) => ({
    receivedAtMs: 1,
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { ...(authorization ? { authorization } : {}), ...more },
    body: '{}',
    bodyBytes: 2,
    status: 200,
    responseHeaders: { 'content-type': 'text/event-stream' },
    writes: [
      { atMs: 5, bytes: new TextEncoder().encode('data: {"a":1}\n\n') },
      { atMs: 9, bytes: new TextEncoder().encode('data: [DONE]\n\n') },
    ],
  });
  const keys = { client: 'sk-client', upstream: 'sk-upstream' };

  test('keys become what they were, never their value; placeholders stay visible', () => {
    const passed = seenByUpstream(record('Bearer sk-client', { 'x-api-key': 'sk-client' }), keys);
    expect(passed.authorization).toBe('client-key');
    expect(passed.keyElsewhere).toEqual(['x-api-key']);
    expect(JSON.stringify(passed)).not.toContain('sk-client');
    expect(seenByUpstream(record('Bearer sk-upstream'), keys).authorization).toBe('upstream-key');
    const placeholder = seenByUpstream(record('Bearer undefined'), keys);
    expect([placeholder.authorization, placeholder.headers['authorization']]).toEqual(['placeholder', 'Bearer undefined']);
    expect(seenByUpstream(record(), keys).authorization).toBe('absent');
    expect(passed.events).toEqual([
      { data: '{"a":1}', atMs: 5 },
      { data: '[DONE]', atMs: 9 },
    ]);
  });

  test('the marker goes at the end of the last user message', () => {
    const request = marked(
      {
        body: {
          messages: [
            { role: 'user', content: 'a' },
            { role: 'assistant', content: 'b' },
            { role: 'user', content: 'c' },
          ],
        },
      },
      '[cc:p.1]',
    );
    expect('body' in request && request.body.messages.map((m) => m.content)).toEqual(['a', 'b', 'c [cc:p.1]']);
    expect(() => marked({ body: { messages: [{ role: 'system', content: 'x' }] } }, '[cc:p.1]')).toThrow(/user message/);
  });
});
