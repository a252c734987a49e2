/**
 * A proxy's own faults, told from its upstream's: in a proxy run the instrumented upstream answers each request as
 * the probe asked and records what arrived, so every difference between what the client sent and what the
 * upstream received, or between what the upstream sent and what the client got, is the proxy's doing. Each check
 * reads the proxied evidence tagged for it (plans/proxy.ts). Bounds are generous: they separate a proxy that holds
 * a stream back from a machine that is merely busy.
 */
import type { Evidence, Observation, Outcome, ProxiedEvidence, ProxiedExchange } from '../core/evidence.ts';
import { bodyText } from '../core/exchange.ts';
import { dig, isRecord } from '../core/json.ts';
import { PROXY_TAGS, type UpstreamSeen } from '../core/upstream.ts';
import { payloadsOf } from './answers.ts';
import { describeStatus, headerOf, statusOf } from './guards.ts';
import { deviation, list, pass, skip } from './outcome.ts';
import { clientEvents, compareAnswer } from './proxy-answers.ts';
import { differences } from './proxy-differential.ts';
import { changeVerdict, describeChange, diffFields, jsonEqual } from './proxy-fields.ts';
import { defineCheck } from './types.ts';

const RFC = 'RFC 9110 (intermediaries)';
const OPENAI = 'OpenAI convention (assumed)';

/** A proxy may hold the first event this long after the upstream wrote it before the stream counts as held back. */
export const FIRST_EVENT_BOUND_MS = 500;
/** The upstream must see its client leave within this long after the client of the proxy left. */
export const CANCEL_BOUND_MS = 1000;

type Tag = (typeof PROXY_TAGS)[keyof typeof PROXY_TAGS];

const tagged = (evidence: Evidence, ...tags: Tag[]): ProxiedEvidence | undefined =>
  evidence.kind === 'proxied' && tags.some((t) => evidence.tags.includes(t)) ? evidence : undefined;

/** Instrumented exchanges of the evidence tagged with one of `tags`. */
const instrumented = (evidence: Evidence, ...tags: Tag[]): Array<ProxiedExchange & { upstream: UpstreamSeen[] }> =>
  (tagged(evidence, ...tags)?.exchanges ?? []).filter((x): x is ProxiedExchange & { upstream: UpstreamSeen[] } => x.upstream !== undefined);

/** Why the client side cannot be judged: nothing was sent, or nothing came back. */
function unanswered(client: Observation): string | undefined {
  const error = client.exchange.error;
  if (client.exchange.unsent)
    return error?.message.startsWith('not sent') ? error.message : `not sent: ${error?.message ?? 'the run stopped sending'}`;
  if (!client.exchange.response) return `no answer from the proxy (${error ? `${error.code}: ${error.message}` : 'nothing received'})`;
  return undefined;
}

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export const sentKey = (client: Observation): boolean => client.exchange.request.headers['authorization'] !== undefined;

export function judgeAuthorization(client: Observation, seen: UpstreamSeen): Outcome[] {
  const documented =
    "the upstream receives the client's Authorization, or the proxy's own key in its place, never a key the proxy does not have";
  if (seen.authorization === 'placeholder') {
    const value = seen.headers['authorization'] ?? '';
    return [
      deviation(
        'fail',
        'authorization-placeholder',
        `the upstream received "Authorization: ${value}" for a request that ${sentKey(client) ? 'carried a key' : 'carried no Authorization'}`,
        documented,
      ),
    ];
  }
  if (seen.authorization === 'upstream-key' && seen.keyElsewhere.length > 0) {
    return [
      deviation(
        'fail',
        'client-key-leaked',
        `the proxy put its own key in Authorization but also passed the client's key on in ${list(seen.keyElsewhere)}`,
        documented,
      ),
    ];
  }
  if (seen.authorization === 'absent' && sentKey(client)) {
    return [
      deviation('warn', 'authorization-dropped', 'the client sent a bearer key; the upstream received no Authorization at all', documented),
    ];
  }
  return [pass];
}

const requestFidelity = defineCheck({
  id: 'proxy.request-fidelity',
  area: 'proxy',
  severity: 'high',
  rule: 'The upstream receives every field the client sent, unchanged (unknown fields included), and no placeholder or leaked key in Authorization.',
  source: RFC,
  run(evidence) {
    return instrumented(evidence, PROXY_TAGS.request).flatMap(({ client, upstream }): Outcome[] => {
      const first = upstream[0];
      const why = unanswered(client);
      if (!first) {
        if (why) return [skip(why)];
        if (!sentKey(client))
          return [skip(`the proxy answered a request without a key itself (${describeStatus(client)}): it authenticates its clients`)];
        return [
          deviation(
            'fail',
            'not-forwarded',
            `the proxy answered ${describeStatus(client)} itself; the request never reached the upstream`,
            'the request is forwarded to the upstream',
          ),
        ];
      }
      const received = parse(first.body);
      if (!isRecord(received)) {
        return [
          deviation(
            'fail',
            'body-not-json',
            `the upstream received ${first.bodyBytes} bytes that are not a JSON object`,
            'the JSON body the client sent',
          ),
        ];
      }
      const fields = diffFields(client.sent ?? {}, received)
        .filter((row) => row.change !== 'unchanged')
        .map((row) =>
          deviation(
            changeVerdict(row) === 'fail' ? 'fail' : 'warn',
            `${row.change}:${row.field}`,
            describeChange(row),
            'the upstream receives each field as the client sent it',
          ),
        );
      return [...judgeAuthorization(client, first), ...(fields.length > 0 ? fields : [pass])];
    });
  },
});

/** Exchanges the client's own bounds ended while the proxy still held them open. */
const HUNG: ReadonlySet<string> = new Set(['headers-timeout', 'idle-timeout', 'total-timeout']);

/** A client whose answer broke off, or hung, while the upstream's had finished. */
function clientCut(client: Observation, documented: string): Outcome[] | undefined {
  const error = client.exchange.error;
  if (!error) return undefined;
  const bytes = client.exchange.response?.bodyBytes ?? 0;
  if (error.code === 'reset')
    return [deviation('fail', 'cut-short', `the upstream finished its answer; the client's broke off after ${bytes} bytes`, documented)];
  if (HUNG.has(error.code))
    return [
      deviation(
        'fail',
        'hung',
        `the upstream finished its answer; the client's was still open after ${bytes} bytes when the run's bound cut it (${error.message})`,
        documented,
      ),
    ];
  return [skip(`the client's exchange ended early (${error.code}: ${error.message}); the run's own caps cut it`)];
}

const responseFidelity = defineCheck({
  id: 'proxy.response-fidelity',
  area: 'proxy',
  severity: 'high',
  rule: 'The client gets the body the upstream sent: the JSON object, or every stream event (usage chunk and [DONE] included), JSON-equal.',
  source: RFC,
  run(evidence) {
    const documented = 'every event and field the upstream sent reaches the client unchanged';
    const forwardedElsewhere = tagged(evidence, PROXY_TAGS.request) !== undefined;
    return instrumented(evidence, PROXY_TAGS.request, PROXY_TAGS.response, PROXY_TAGS.pacing).flatMap(({ client, upstream }): Outcome[] => {
      const why = unanswered(client);
      if (why) return [skip(why)];
      const first = upstream[0];
      if (!first) {
        if (forwardedElsewhere) return [skip('the request never reached the upstream; proxy.request-fidelity reports it')];
        return [
          deviation(
            'fail',
            'not-forwarded',
            `the proxy answered ${describeStatus(client)} itself; the request never reached the upstream`,
            documented,
          ),
        ];
      }
      if (first.end?.how !== 'finished') return [skip(`the upstream did not finish its answer (${first.end?.how ?? 'still running'})`)];
      if ((first.status ?? 0) >= 400) return [skip(`an error answer (HTTP ${first.status}): proxy.status-fidelity judges those`)];
      return clientCut(client, documented) ?? compareAnswer(client, first, documented);
    });
  },
});

const GATEWAY_STATUSES = new Set([502, 503, 504]);

function judgeStatus(client: Observation, script: ProxiedExchange['script'], first: UpstreamSeen | undefined): Outcome[] {
  const got = statusOf(client);
  if (script?.kind === 'refuse') {
    const documented = 'an upstream that cannot be reached becomes 502, 503 or 504 (RFC 9110 §15.6)';
    const received = `the upstream closed the connection unanswered; the client got ${describeStatus(client)}`;
    if (got !== undefined && GATEWAY_STATUSES.has(got)) return [pass];
    if (got === 500) return [deviation('warn', 'refused-as-500', received, documented)];
    return [
      deviation('fail', got === undefined ? 'no-answer' : got < 300 ? 'refused-as-success' : 'refused-as-other', received, documented),
    ];
  }
  if (script?.kind !== 'error') return [];
  const sent = script.status;
  const received = `the upstream answered HTTP ${sent}${script.retryAfter ? ` with Retry-After: ${script.retryAfter}` : ''}; the client got ${describeStatus(client)}`;
  if (sent >= 500) {
    const documented = `an upstream ${sent} reaches the client as ${sent} or 502/503/504, never as a success or a client error`;
    if (got === sent || (got !== undefined && GATEWAY_STATUSES.has(got))) return [pass];
    if (got !== undefined && got >= 500) return [deviation('warn', `status-${sent}-as-other-5xx`, received, documented)];
    return [
      deviation('fail', got === undefined ? 'no-answer' : got < 300 ? 'upstream-error-as-success' : `status-${sent}`, received, documented),
    ];
  }
  const documented = `an upstream ${sent} reaches the client as ${sent} with the upstream's error object${sent === 429 ? ' and its Retry-After' : ''}`;
  if (got !== sent) return [deviation('fail', got === undefined ? 'no-answer' : `status-${sent}`, received, documented)];
  const outcomes: Outcome[] = [];
  const upstreamError = dig(parse(first?.responseBody ?? ''), 'error');
  const clientError = dig(parse(bodyText(client.exchange)), 'error');
  if (!jsonEqual(upstreamError, clientError)) {
    const changes =
      isRecord(upstreamError) && isRecord(clientError)
        ? diffFields(upstreamError, clientError)
            .filter((r) => r.change !== 'unchanged')
            .map(describeChange)
        : ['the error object is missing or not an object'];
    outcomes.push(
      deviation('fail', 'error-object-changed', `HTTP ${sent} passed on with another error object: ${list(changes, 4)}`, documented),
    );
  }
  if (script.retryAfter !== undefined && headerOf(client, 'retry-after') !== first?.responseHeaders['retry-after']) {
    outcomes.push(
      deviation(
        'fail',
        'retry-after-changed',
        `HTTP ${sent} reached the client with Retry-After ${JSON.stringify(headerOf(client, 'retry-after') ?? null)}; the upstream sent ${JSON.stringify(first?.responseHeaders['retry-after'] ?? null)}`,
        documented,
      ),
    );
  }
  return outcomes.length > 0 ? outcomes : [pass];
}

const statusFidelity = defineCheck({
  id: 'proxy.status-fidelity',
  area: 'proxy',
  severity: 'high',
  rule: 'An upstream 4xx reaches the client with its status and error object (429 with Retry-After); an upstream 5xx or connection failure becomes a 5xx (502/503/504), never a 200.',
  source: RFC,
  run(evidence) {
    return instrumented(evidence, PROXY_TAGS.status).flatMap(({ client, script, upstream }): Outcome[] => {
      if (client.exchange.unsent) return [skip(unanswered(client) ?? 'not sent')];
      if (upstream.length === 0) return [skip(`the request never reached the upstream (the client got ${describeStatus(client)})`)];
      return judgeStatus(client, script, upstream[0]);
    });
  },
});

/** The client's data events matched to the upstream's, in order, each with both times on the upstream's clock. */
function matchedEvents(client: Observation, seen: UpstreamSeen): Array<{ upstreamMs: number; clientMs: number }> {
  const start = client.exchange.timings.startMs;
  const events = client.stream?.framing.events ?? [];
  if (start === undefined || !seen.events) return [];
  const pairs: Array<{ upstreamMs: number; clientMs: number }> = [];
  let from = 0;
  for (const sent of seen.events) {
    const at = events.findIndex((e, i) => i >= from && e.data === sent.data);
    if (at === -1) continue;
    pairs.push({ upstreamMs: sent.atMs, clientMs: start + events[at]!.atMs });
    from = at + 1;
  }
  return pairs;
}

const ms = (value: number): string => `${Math.round(value)} ms`;

const noBuffering = defineCheck({
  id: 'proxy.no-buffering',
  area: 'proxy',
  severity: 'high',
  rule: `A stream is passed on as the upstream writes it: the first event within ${FIRST_EVENT_BOUND_MS} ms, and events written apart arrive apart, not in one burst.`,
  source: OPENAI,
  run(evidence) {
    const documented = 'each event reaches the client as soon as the upstream wrote it';
    return instrumented(evidence, PROXY_TAGS.pacing).flatMap(({ client, upstream }): Outcome[] => {
      const first = upstream[0];
      const pairs = first ? matchedEvents(client, first) : [];
      const cut = client.exchange.error;
      if (first?.events && cut && HUNG.has(cut.code) && pairs.length < first.events.length) {
        return [
          deviation(
            'fail',
            'held',
            `the upstream wrote ${first.events.length} events; ${pairs.length} had reached the client when the run's bound cut it (${cut.message})`,
            documented,
          ),
        ];
      }
      const why = unanswered(client);
      if (why) return [skip(why)];
      if (!first?.events) return [skip('the upstream did not stream an answer')];
      if (pairs.length < 3)
        return [
          skip(`only ${pairs.length} of the upstream's ${first.events.length} events arrived as sent; proxy.response-fidelity judges that`),
        ];
      const head = pairs[0]!;
      const tail = pairs.at(-1)!;
      const held = head.clientMs - head.upstreamMs;
      const upstreamSpan = tail.upstreamMs - head.upstreamMs;
      const clientSpan = tail.clientMs - head.clientMs;
      const outcomes: Outcome[] = [];
      if (held > FIRST_EVENT_BOUND_MS) {
        outcomes.push(
          deviation('fail', 'first-event-held', `the first event reached the client ${ms(held)} after the upstream wrote it`, documented),
        );
      }
      if (clientSpan < upstreamSpan / 2) {
        outcomes.push(
          deviation(
            'fail',
            'burst',
            `${pairs.length} events the upstream wrote over ${ms(upstreamSpan)} reached the client within ${ms(clientSpan)}`,
            documented,
          ),
        );
      }
      return outcomes.length > 0 ? outcomes : [pass];
    });
  },
});

/** A data event that tells the client the stream failed (`{"error": …}`), as some proxies send before ending. */
const toldOfError = (client: Observation): boolean => payloadsOf(client).some((c) => c.value['error'] !== undefined);

const honestTruncation = defineCheck({
  id: 'proxy.honest-truncation',
  area: 'proxy',
  severity: 'critical',
  rule: 'When the upstream cuts a stream, the client does not get a clean data: [DONE] (a cut answer must not look complete), nor a stream that never ends.',
  source: OPENAI,
  run(evidence) {
    const documented = 'the stream breaks off too (or carries an error event), so the client knows the answer is incomplete';
    return instrumented(evidence, PROXY_TAGS.cut).flatMap(({ client, upstream }): Outcome[] => {
      if (client.exchange.unsent) return [skip(unanswered(client) ?? 'not sent')];
      const first = upstream[0];
      if (first?.end?.how !== 'cut') return [skip(`the upstream did not cut the stream (${first?.end?.how ?? 'no request arrived'})`)];
      const error = client.exchange.error;
      if (error && HUNG.has(error.code)) {
        return [
          deviation(
            'fail',
            'hung',
            `the upstream cut the stream; the proxy held the client's open until the run's bound cut it (${error.message})`,
            documented,
          ),
        ];
      }
      if (!client.stream || client.stream.framing.doneCount === 0 || toldOfError(client)) return [pass];
      const written = first.events?.length ?? 0;
      return [
        deviation(
          'fail',
          'done-after-cut',
          `the upstream cut the stream after ${written} events; the client received ${clientEvents(client).length - 1} events and a clean data: [DONE]`,
          documented,
        ),
      ];
    });
  },
});

const cancellation = defineCheck({
  id: 'proxy.cancellation',
  area: 'proxy',
  severity: 'high',
  rule: `When the client leaves a stream, the upstream sees its request end within ${CANCEL_BOUND_MS} ms (or it keeps generating, and billing, for nobody).`,
  source: OPENAI,
  run(evidence) {
    const documented = `the upstream's connection is closed within ${CANCEL_BOUND_MS} ms of the client leaving`;
    return instrumented(evidence, PROXY_TAGS.cancel).flatMap(({ client, upstream }): Outcome[] => {
      const { error, timings } = client.exchange;
      if (error?.code !== 'left' || timings.startMs === undefined) {
        const why = error
          ? `the client's exchange ended before it could leave (${error.code}: ${error.message})`
          : 'the client read the whole answer before it could leave';
        return [skip(unanswered(client) ?? why)];
      }
      const leftAt = timings.startMs + timings.totalMs;
      const first = upstream[0];
      if (!first) return [skip('the request never reached the upstream')];
      const after = (first.events ?? []).filter((e) => e.atMs > leftAt).length;
      if (!first.end)
        return [
          deviation(
            'fail',
            'kept-streaming',
            `the upstream was still streaming when the run stopped waiting; it wrote ${after} events after the client left`,
            documented,
          ),
        ];
      const delay = first.end.atMs - leftAt;
      if (first.end.how === 'finished') {
        if (delay <= 0)
          return [
            skip('the upstream had finished before the client left: the answer reached the client late (proxy.no-buffering judges that)'),
          ];
        if (delay <= CANCEL_BOUND_MS)
          return [skip(`the upstream finished ${ms(delay)} after the client left, within the bound: too soon to tell`)];
        return [
          deviation(
            'fail',
            'not-passed-on',
            `the upstream wrote its answer to the end, ${after} events over ${ms(delay)} after the client left`,
            documented,
          ),
        ];
      }
      if (first.end.how !== 'peer-left') return [skip(`the upstream cut the stream itself (${first.end.how})`)];
      if (delay > CANCEL_BOUND_MS)
        return [
          deviation(
            'fail',
            'late',
            `the upstream's connection closed ${ms(delay)} after the client left (${after} more events written)`,
            documented,
          ),
        ];
      return [pass];
    });
  },
});

/** Completion ids in the events the upstream wrote. */
const idsOf = (seen: UpstreamSeen | undefined): Set<string> =>
  new Set((seen?.events ?? []).map((e) => dig(parse(e.data), 'id')).filter((id): id is string => typeof id === 'string'));

const isolation = defineCheck({
  id: 'proxy.isolation',
  area: 'proxy',
  severity: 'critical',
  rule: "Streams in flight side by side stay apart: no client receives a chunk of another request's answer.",
  source: OPENAI,
  run(evidence) {
    const exchanges = instrumented(evidence, PROXY_TAGS.isolation);
    if (exchanges.length < 2) return [];
    const documented = 'each client receives the chunks of its own answer only';
    const firsts = exchanges.map((x) => x.upstream[0]);
    if (firsts.some((f) => !f)) return [skip('not every stream reached the upstream')];
    const spans = firsts.map((f) => [f!.receivedAtMs, f!.end?.atMs ?? Infinity] as const);
    const together = spans.every(([start], i) => spans.every(([, end], j) => i === j || start < end));
    if (!together)
      return [
        skip(
          'the streams were not in flight at the upstream at the same time (the proxy forwarded them one after the other, or --concurrency is 1)',
        ),
      ];
    const ids = firsts.map(idsOf);
    return exchanges.map(({ client }, i): Outcome => {
      const why = unanswered(client);
      if (why) return skip(why);
      const foreign = payloadsOf(client).filter((c) => ids.some((set, j) => j !== i && set.has(String(c.value['id']))));
      if (foreign.length === 0) return pass;
      return deviation(
        'fail',
        'mixed',
        `stream ${i + 1} of ${exchanges.length} received ${foreign.length} chunks of another request's answer (${String(foreign[0]!.value['id'])})`,
        documented,
      );
    });
  },
});

const limits = defineCheck({
  id: 'proxy.limits',
  area: 'proxy',
  severity: 'medium',
  rule: 'A large request (half a megabyte), a long stream (about a thousand events) and a large answer pass through intact.',
  source: RFC,
  run(evidence) {
    const documented = 'large requests and long answers pass through whole';
    return instrumented(evidence, PROXY_TAGS.limits).flatMap(({ client, upstream }): Outcome[] => {
      const why = unanswered(client);
      if (why) return [skip(why)];
      const size = `${Math.round((client.exchange.request.body?.length ?? 0) / 1024)} KiB`;
      const first = upstream[0];
      if (!first)
        return [
          deviation(
            'fail',
            'refused',
            `a request of ${size} was answered ${describeStatus(client)} by the proxy and never reached the upstream`,
            documented,
          ),
        ];
      if (!jsonEqual(client.sent, parse(first.body))) {
        return [
          deviation(
            'fail',
            'request-changed',
            `a request of ${size} reached the upstream as ${first.bodyBytes} bytes that are not the same JSON`,
            documented,
          ),
        ];
      }
      if (first.end?.how !== 'finished') return [skip(`the upstream did not finish its answer (${first.end?.how ?? 'still running'})`)];
      return clientCut(client, documented) ?? compareAnswer(client, first, documented);
    });
  },
});

const matchesDirect = defineCheck({
  id: 'proxy.matches-direct',
  area: 'proxy',
  severity: 'high',
  rule: 'A seeded temperature-0 request gets the same status, error fields, shape, usage chunk and [DONE] through the proxy as straight from the upstream (counts and content too when it is deterministic).',
  source: OPENAI,
  run(evidence) {
    const pairs = tagged(evidence, PROXY_TAGS.differential);
    if (!pairs) return [];
    const documented = 'through the proxy, the answer the upstream gives directly';
    return pairs.exchanges.flatMap(({ client, direct }): Outcome[] => {
      if (!direct) return [];
      if (client.exchange.unsent || direct.exchange.unsent) return [skip('the pair was not sent in full')];
      if (!client.exchange.response && !direct.exchange.response) return [skip('neither the proxy nor the upstream answered')];
      const found = differences(direct, client, pairs.deterministic);
      if (found.length === 0) return [pass];
      return found.map((d) =>
        deviation(d.verdict, d.key, `${d.aspect}: straight from the upstream ${d.direct}; through the proxy ${d.proxied}`, documented),
      );
    });
  },
});

export const proxyChecks = [
  requestFidelity,
  responseFidelity,
  statusFidelity,
  noBuffering,
  honestTruncation,
  cancellation,
  isolation,
  limits,
  matchesDirect,
] as const;
