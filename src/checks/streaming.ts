/**
 * Streaming: data-only server-sent events terminated by `data: [DONE]` (000_96bde8db4d236014.txt, `stream`),
 * carrying chat.completion.chunk objects. Framing rules read the frame checker's report; sequence rules read the
 * chunks a client would see (those before `[DONE]`). Legal SSE (CRLF, comments, `data:` without a space, any read
 * split) never counts against a target.
 */
import type { FramingViolationKind } from '../sse/frames.ts';
import {
  type ChoiceDelta,
  choiceStreams,
  clientChunks,
  collapse,
  deltaText,
  field,
  headerOf,
  incompleteReason,
  isFinish,
  isStream,
  mediaType,
  observations,
  okJson,
  requestedN,
  statusOf,
  streamPair,
  streamRequested,
} from './guards.ts';
import { excerpt, fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import type { Check, Comparison, Evidence, Observation, Outcome, StreamEvidence } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';
const OPENAI = 'OpenAI convention (assumed)';

/** A stream is judged for burstiness only when its content took at least this long to arrive. */
export const INCREMENTAL_MIN_MS = 20;
/** Content spread over less than this share of the time to its last event counts as one burst. */
export const INCREMENTAL_MIN_SHARE = 0.02;
const INCREMENTAL_MIN_EVENTS = 3;

type Streamed = Observation & { stream: StreamEvidence };

/** Runs `judge` on every observation that was read as a stream. */
const onStreams = (evidence: Evidence, judge: (o: Streamed) => Outcome[]): Outcome[] =>
  observations(evidence).flatMap((o) => (isStream(o) ? judge(o) : []));

/** Like `onStreams`, for rules that need the whole stream: a cut stream is skipped with the reason. */
const onCompleteStreams = (evidence: Evidence, judge: (o: Streamed) => Outcome[]): Outcome[] =>
  onStreams(evidence, (o) => {
    const cut = incompleteReason(o);
    return cut ? [skip(cut)] : judge(o);
  });

/** One finding per framing violation of `kind` (the frame checker caps how many it lists; the key merges them). */
function framingOutcomes(o: Streamed, kind: FramingViolationKind, found: (v: { excerpt: string; offset: number }) => Outcome): Outcome[] {
  const listed = o.stream.framing.violations.filter((v) => v.kind === kind);
  return listed.length === 0 ? [pass] : collapse(listed.map(found));
}

const contentType: Check = {
  id: 'streaming.content-type',
  area: 'streaming',
  severity: 'high',
  rule: 'stream:true is answered as server-sent events: Content-Type text/event-stream.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      if (!streamRequested(o) || statusOf(o) !== 200) return [];
      const received = headerOf(o, 'content-type');
      if (mediaType(received) === 'text/event-stream') return [pass];
      return [
        fail('content-type', receivedDocumented(`Content-Type: ${received ?? '(absent)'} for stream:true`, `Content-Type: text/event-stream (data-only SSE, ${DOC})`)),
      ];
    }),
};

const dataOnly: Check = {
  id: 'streaming.data-only',
  area: 'streaming',
  severity: 'medium',
  rule: 'Tokens are sent as data-only server-sent events ("数据专用的服务器发送事件"): only data: fields (comments are legal).',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, 'not-data-field', (v) => {
        const name = v.excerpt.split(':')[0]?.trim() || v.excerpt;
        return fail(`field:${name}`, receivedDocumented(`the line ${excerpt(v.excerpt)} at byte ${v.offset}`, `only data: lines and comments (${DOC})`));
      }),
    ),
};

const singleLineData: Check = {
  id: 'streaming.single-line-data',
  area: 'streaming',
  severity: 'low',
  rule: 'Each event carries its payload on one data: line (several data: lines are legal SSE but break line-by-line clients).',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, 'multi-line-data', (v) =>
        warn('multi-line-data', receivedDocumented(`an event at byte ${v.offset} with ${v.excerpt}`, `one "data: <json>" line per event (${OPENAI})`)),
      ),
    ),
};

const payloadJson: Check = {
  id: 'streaming.payload-json',
  area: 'streaming',
  severity: 'high',
  rule: 'Every data payload other than [DONE] is one JSON object (a chat.completion.chunk).',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, 'data-not-json', (v) =>
        fail('not-json-object', receivedDocumented(`data payload ${excerpt(v.excerpt)} at byte ${v.offset}`, `a JSON chat.completion.chunk object or [DONE] (${DOC})`)),
      ),
    ),
};

const doneTerminator: Check = {
  id: 'streaming.done-terminator',
  area: 'streaming',
  severity: 'high',
  rule: 'The stream is terminated by a data: [DONE] message ("流将以 data: [DONE] 消息终止").',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      if (o.stream.framing.doneCount > 0) return [pass];
      if (o.exchange.error) return [skip(incompleteReason(o)!)];
      const tail = o.stream.framing.violations.find((v) => v.kind === 'done-missing')?.excerpt ?? '';
      return [fail('done-missing', receivedDocumented(`a stream that ended without data: [DONE]; last bytes ${tail}`, `the stream ends with data: [DONE] (${DOC})`))];
    }),
};

const doneOnce: Check = {
  id: 'streaming.done-once',
  area: 'streaming',
  severity: 'medium',
  rule: 'data: [DONE] is sent exactly once and is the last event of the stream.',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const { framing } = o.stream;
      if (framing.doneCount === 0) return [skip('the stream had no [DONE]; streaming.done-terminator reports it')];
      const after = framing.violations.filter((v) => v.kind === 'done-repeated' || v.kind === 'data-after-done');
      const found = after.map((v) =>
        fail(v.kind, receivedDocumented(`${v.kind === 'done-repeated' ? 'another [DONE]' : `the event ${excerpt(v.excerpt)}`} after [DONE] (byte ${v.offset}; ${framing.doneCount} × [DONE] in all)`, `one data: [DONE], and nothing after it (${DOC})`)),
      );
      return found.length > 0 ? collapse(found) : [pass];
    }),
};

const chunkObject: Check = {
  id: 'streaming.chunk-object',
  area: 'streaming',
  severity: 'medium',
  rule: 'Every chunk has object "chat.completion.chunk".',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      collapse(
        clientChunks(o).map((c) => {
          const object = field(c.value, 'object');
          if (object === 'chat.completion.chunk') return pass;
          return fail(`object:${excerpt(object, 40)}`, receivedDocumented(`chunk ${c.position} /object = ${excerpt(object)}`, `"chat.completion.chunk" (${OPENAI})`), { path: '/object' });
        }),
      ),
    ),
};

function roleOutcomes(index: number, entries: readonly ChoiceDelta[]): Outcome[] {
  const documented = `the first delta of each choice carries role "assistant"; role is never null (${OPENAI})`;
  const path = `/choices/*/delta/role`;
  return entries.map((entry, i) => {
    const delta = field(entry.choice, 'delta');
    const role = field(delta, 'role');
    const where = `chunk ${entry.chunk.position} choice ${index} delta.role`;
    if (i === 0 && role === undefined) return fail('first-without-role', receivedDocumented(`${where} absent in the first delta ${excerpt(delta)}`, documented), { path });
    if (role === undefined || role === 'assistant') return pass;
    const message = receivedDocumented(`${where} = ${excerpt(role)}`, documented);
    if (role === null) return fail('role-null', message, { path });
    // The documents list system, user and assistant as response roles; a completion is authored by assistant.
    if (role === 'system' || role === 'user') return fail(`role:${role}`, message, { path, conflict: 'response-role-enum' });
    return fail('role-invalid', message, { path });
  });
}

const roleFirst: Check = {
  id: 'streaming.role-first',
  area: 'streaming',
  severity: 'medium',
  rule: 'The first delta of each choice carries role "assistant"; role is never null.',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const streams = [...choiceStreams(o)];
      if (streams.length === 0) return [skip('the stream carried no choice deltas')];
      return collapse(streams.flatMap(([index, entries]) => roleOutcomes(index, entries)));
    }),
};

const IDENTITY_FIELDS = ['id', 'created', 'model'] as const;

const stableIdentity: Check = {
  id: 'streaming.stable-identity',
  area: 'streaming',
  severity: 'medium',
  rule: 'Every chunk of a stream carries the same id, created and model.',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const chunks = clientChunks(o);
      const first = chunks[0];
      if (!first) return [skip('the stream carried no JSON object chunks')];
      const found = IDENTITY_FIELDS.flatMap((name) => {
        const expected = excerpt(field(first.value, name));
        const other = chunks.find((c) => excerpt(field(c.value, name)) !== expected);
        if (!other) return [];
        const received = `chunk ${other.position} /${name} = ${excerpt(field(other.value, name))}, chunk ${first.position} /${name} = ${expected}`;
        return [fail(name, receivedDocumented(received, `the same ${name} on every chunk of one stream (${OPENAI})`), { path: `/${name}` })];
      });
      return found.length > 0 ? found : [pass];
    }),
};

function finishOutcomes(index: number, entries: readonly ChoiceDelta[]): Outcome[] {
  const documented = `exactly one non-null finish_reason per choice, on its last delta; null (never "") before it (${DOC})`;
  const reasons = entries.map((e) => field(e.choice, 'finish_reason'));
  const finishes = reasons.flatMap((r, i) => (isFinish(r) ? [i] : []));
  const where = (i: number) => `chunk ${entries[i]!.chunk.position} choice ${index}`;
  const found: Outcome[] = [];
  const empty = reasons.indexOf('');
  if (empty >= 0) found.push(fail('empty-string', receivedDocumented(`${where(empty)} finish_reason = ""`, documented), { path: '/choices/*/finish_reason' }));
  if (finishes.length === 0) found.push(fail('missing', receivedDocumented(`no finish_reason for choice ${index} in a complete stream`, documented)));
  if (finishes.length > 1) {
    const list = finishes.map((i) => `${where(i)} = ${excerpt(reasons[i])}`).join(', ');
    found.push(fail('repeated', receivedDocumented(`${finishes.length} finish_reasons: ${list}`, documented), { path: '/choices/*/finish_reason' }));
  } else if (finishes.length === 1 && finishes[0]! < entries.length - 1) {
    found.push(fail('after-finish', receivedDocumented(`${where(finishes[0]! + 1)} after the finish of choice ${index}: ${excerpt(entries[finishes[0]! + 1]!.choice)}`, documented)));
  }
  return found.length > 0 ? found : [pass];
}

const singleFinish: Check = {
  id: 'streaming.single-finish',
  area: 'streaming',
  severity: 'high',
  rule: 'Each choice gets exactly one non-null finish_reason, nothing after it, and never "".',
  source: DOC,
  run: (evidence) =>
    onCompleteStreams(evidence, (o) => {
      const streams = [...choiceStreams(o)];
      if (streams.length === 0) return [skip('the stream carried no choice deltas')];
      return collapse(streams.flatMap(([index, entries]) => finishOutcomes(index, entries)));
    }),
};

const allChoices: Check = {
  id: 'streaming.all-choices',
  area: 'streaming',
  severity: 'high',
  rule: 'With n choices requested, every index 0..n-1 is streamed and finished, and no other index appears.',
  source: DOC,
  run: (evidence) =>
    onCompleteStreams(evidence, (o) => {
      const n = requestedN(o);
      const streams = choiceStreams(o);
      const documented = `choices with index 0..${n - 1}, each streamed and finished (n = ${n}, ${DOC})`;
      const found: Outcome[] = [];
      for (let index = 0; index < n; index += 1) {
        const entries = streams.get(index);
        if (!entries) found.push(fail('missing-choice', receivedDocumented(`no delta for choice ${index}; indices seen: ${[...streams.keys()].join(', ') || 'none'}`, documented)));
        else if (!entries.some((e) => isFinish(field(e.choice, 'finish_reason')))) found.push(fail('unfinished-choice', receivedDocumented(`choice ${index} never finished`, documented)));
      }
      const unexpected = [...streams.keys()].filter((index) => index >= n);
      if (unexpected.length > 0) found.push(fail('unexpected-index', receivedDocumented(`choice indices ${unexpected.join(', ')}`, documented)));
      return found.length > 0 ? collapse(found) : [pass];
    }),
};

/** Where two texts first differ, as a short excerpt of each side. */
function firstDifference(a: string, b: string): string {
  const ca = Array.from(a);
  const cb = Array.from(b);
  let at = 0;
  while (at < ca.length && at < cb.length && ca[at] === cb[at]) at += 1;
  const around = (chars: string[]) => excerpt(chars.slice(Math.max(0, at - 10), at + 20).join(''), 60);
  return `at character ${at}: stream …${around(ca)} vs non-stream …${around(cb)}`;
}

function matchOutcomes(c: Comparison): Outcome[] {
  const pair = streamPair(c.a, c.b);
  if (!pair) return [skip('the comparison does not hold one stream and one non-stream answer')];
  const cut = incompleteReason(pair.stream) ?? incompleteReason(pair.plain);
  if (cut) return [skip(cut)];
  const body = okJson(pair.plain);
  const choices = field(body, 'choices');
  if (!Array.isArray(choices) || statusOf(pair.stream) !== 200) return [skip('one side of the comparison was not a successful answer')];
  const streams = choiceStreams(pair.stream);
  const verdict = c.deterministic ? fail : warn;
  const found = choices.flatMap((choice, i) => {
    const index = typeof field(choice, 'index') === 'number' ? (field(choice, 'index') as number) : i;
    const plain = field(field(choice, 'message'), 'content');
    const streamed = deltaText(streams.get(index) ?? []);
    const expected = typeof plain === 'string' ? plain : '';
    if (streamed === expected) return [];
    const received = `choice ${index}: streamed content differs ${firstDifference(streamed, expected)}`;
    return [verdict('content-differs', receivedDocumented(received, `the concatenated deltas equal message.content of the same seeded request (${OPENAI})`))];
  });
  return found.length > 0 ? collapse(found) : [pass];
}

const matchesNonstream: Check = {
  id: 'streaming.matches-nonstream',
  area: 'streaming',
  severity: 'medium',
  rule: 'The concatenated delta contents equal message.content for the same seeded request sent without stream (a warning unless the target is deterministic).',
  source: OPENAI,
  run: (evidence) => (evidence.kind === 'comparison' && evidence.relation === 'stream-vs-nonstream' ? matchOutcomes(evidence) : []),
};

/** Arrival times of the chunks whose deltas carry generated text (content or reasoning). */
function contentArrivals(o: Streamed): number[] {
  const carriesText = (choice: unknown): boolean =>
    ['content', 'reasoning_content'].some((key) => {
      const text = field(field(choice, 'delta'), key);
      return typeof text === 'string' && text !== '';
    });
  return clientChunks(o)
    .filter((c) => {
      const choices = field(c.value, 'choices');
      return Array.isArray(choices) && choices.some(carriesText);
    })
    .map((c) => c.atMs);
}

const incremental: Check = {
  id: 'streaming.incremental',
  area: 'streaming',
  severity: 'low',
  rule: 'Partial progress is streamed as tokens become available ("当它们可用时"): content arrives over several reads, not in one burst.',
  source: DOC,
  run: (evidence) =>
    onCompleteStreams(evidence, (o) => {
      const arrivals = contentArrivals(o);
      if (arrivals.length < INCREMENTAL_MIN_EVENTS) return [skip(`only ${arrivals.length} content events; too few to judge pacing`)];
      const first = Math.min(...arrivals);
      const last = Math.max(...arrivals);
      if (last < INCREMENTAL_MIN_MS) return [skip(`all content arrived within ${last} ms of the request; too fast to tell a burst from a stream`)];
      const reads = new Set(arrivals).size;
      const spread = last - first;
      if (reads > 1 && spread >= INCREMENTAL_MIN_SHARE * last) return [pass];
      const received = `${arrivals.length} content events in ${reads} read(s), all between ${first} and ${last} ms after the request`;
      const documented = `events spread over the generation: more than one read and at least ${INCREMENTAL_MIN_SHARE * 100}% of the time to the last event (${DOC})`;
      return [warn('burst', receivedDocumented(received, documented))];
    }),
};

function replacementOutcomes(o: Streamed): Outcome[] {
  if ((o.stream.framing.violationCounts?.['invalid-utf8'] ?? 0) > 0 || o.stream.framing.violations.some((v) => v.kind === 'invalid-utf8')) {
    return [skip('the body bytes are not valid UTF-8; transport.valid-utf8 reports it')];
  }
  const found = [...choiceStreams(o)].flatMap(([index, entries]) =>
    entries.flatMap((e) =>
      ['content', 'reasoning_content'].flatMap((key) => {
        const text = field(field(e.choice, 'delta'), key);
        if (typeof text !== 'string' || !text.includes('\uFFFD')) return [];
        const received = `chunk ${e.chunk.position} choice ${index} delta.${key} = ${excerpt(text)} (U+FFFD)`;
        return [fail('replacement-char', receivedDocumented(received, `characters intact across deltas: no U+FFFD where a multi-byte character was split (${OPENAI})`), { path: `/choices/*/delta/${key}` })];
      }),
    ),
  );
  return found.length > 0 ? collapse(found) : [pass];
}

const utf8Intact: Check = {
  id: 'streaming.utf8-intact',
  area: 'streaming',
  severity: 'high',
  rule: 'Multi-byte characters survive being split across deltas: no delta carries U+FFFD.',
  source: OPENAI,
  run(evidence) {
    const pair = evidence.kind === 'comparison' ? streamPair(evidence.a, evidence.b) : undefined;
    if (!pair) return onStreams(evidence, replacementOutcomes);
    const plain = JSON.stringify(field(okJson(pair.plain), 'choices') ?? null);
    // U+FFFD in the non-stream answer too means the model wrote it; it is not a split.
    if (plain.includes('\uFFFD') || plain.includes('\\ufffd')) return [skip('the non-stream answer contains U+FFFD as well')];
    return onStreams(pair.stream, replacementOutcomes);
  },
};

export const streamingChecks: Check[] = [
  contentType,
  dataOnly,
  singleLineData,
  payloadJson,
  doneTerminator,
  doneOnce,
  chunkObject,
  roleFirst,
  stableIdentity,
  singleFinish,
  allChoices,
  matchesNonstream,
  incremental,
  utf8Intact,
];
