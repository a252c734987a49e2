/**
 * Streaming: data-only server-sent events terminated by `data: [DONE]` (000_96bde8db4d236014.txt, `stream`),
 * carrying chat.completion.chunk objects. Framing rules read the frame checker's report; sequence rules read the
 * chunks a client would see (those before `[DONE]`). Legal SSE (CRLF, comments, `data:` without a space, any read
 * split) never counts against a target.
 */

import type { Comparison, Evidence, Outcome } from '../core/evidence.ts';
import type { FramingViolation, FramingViolationKind } from '../core/framing.ts';
import { asArray, dig, excerpt, isInteger, isRecord } from '../core/json.ts';
import { isEventStream } from '../core/media-type.ts';
import {
  type ChoiceDelta,
  type Chunk,
  choiceStreams,
  clientChunks,
  deltaText,
  isFilterPreamble,
  isFinish,
  okJson,
  onStreamPairs,
  onStreams,
  payloadsOf,
  type Streamed,
  type StreamPair,
  streamPair,
} from './answers.ts';
import { headerOf, ifComplete, incompleteReason, observations, requestedN, statusOf, streamRequested } from './guards.ts';
import { collapse, deviation, list, pass, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';
const OPENAI = 'OpenAI convention (assumed)';

/** A stream is judged for burstiness only when its content took at least this long to arrive. */
export const INCREMENTAL_MIN_MS = 20;
/** Content spread over less than this share of the time to its last event counts as one burst. */
export const INCREMENTAL_MIN_SHARE = 0.02;
const INCREMENTAL_MIN_EVENTS = 3;

/** Like `onStreams`, for rules that need the whole stream: a cut stream is skipped with the reason. */
const onCompleteStreams = (evidence: Evidence, judge: (o: Streamed) => Outcome[]): Outcome[] =>
  onStreams(evidence, (o) => ifComplete(o, () => judge(o)));

/** The frame checker's violations of some kinds, one finding per key (it lists at most a few of each kind). */
function framingOutcomes(o: Streamed, kinds: FramingViolationKind[], found: (v: FramingViolation) => Outcome): Outcome[] {
  const listed = o.stream.framing.violations.filter((v) => kinds.includes(v.kind));
  return listed.length === 0 ? [pass] : collapse(listed.map(found));
}

const contentType = defineCheck({
  id: 'streaming.content-type',
  area: 'streaming',
  severity: 'high',
  rule: 'stream:true is answered as server-sent events: Content-Type text/event-stream.',
  source: DOC,
  run: (evidence) =>
    observations(evidence).flatMap((o) => {
      if (!streamRequested(o) || statusOf(o) !== 200) return [];
      const received = headerOf(o, 'content-type');
      if (isEventStream(received)) return [pass];
      const documented = `Content-Type: text/event-stream (data-only SSE, ${DOC})`;
      return [deviation('fail', 'content-type', `Content-Type: ${received ?? '(absent)'} for stream:true`, documented)];
    }),
});

const dataOnly = defineCheck({
  id: 'streaming.data-only',
  area: 'streaming',
  severity: 'medium',
  rule: 'Tokens are sent as data-only server-sent events ("数据专用的服务器发送事件"): data: fields and comments only.',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, ['not-data-field'], (v) => {
        const name = v.excerpt.split(':')[0]?.trim() || v.excerpt;
        const received = `the line ${excerpt(v.excerpt)} at byte ${v.offset}`;
        return deviation('fail', `field:${name}`, received, `only data: lines and comments (${DOC})`);
      }),
    ),
});

const singleLineData = defineCheck({
  id: 'streaming.single-line-data',
  area: 'streaming',
  severity: 'low',
  rule: 'Each event carries its payload on one data: line (several lines are legal SSE but break line-by-line clients).',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, ['multi-line-data'], (v) => {
        const received = `an event at byte ${v.offset} with ${v.excerpt}`;
        return deviation('warn', 'multi-line-data', received, `one "data: <json>" line per event (${OPENAI})`);
      }),
    ),
});

const payloadJson = defineCheck({
  id: 'streaming.payload-json',
  area: 'streaming',
  severity: 'high',
  rule: 'Every data payload other than [DONE] is one JSON object (a chat.completion.chunk).',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) =>
      framingOutcomes(o, ['data-not-json'], (v) => {
        const received = `data payload ${excerpt(v.excerpt)} at byte ${v.offset}`;
        return deviation('fail', 'not-json-object', received, `a JSON chat.completion.chunk or [DONE] (${DOC})`);
      }),
    ),
});

const doneTerminator = defineCheck({
  id: 'streaming.done-terminator',
  area: 'streaming',
  severity: 'high',
  rule: 'The stream is terminated by a data: [DONE] message ("流将以 data: [DONE] 消息终止").',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      if (o.stream.framing.doneCount > 0) return [pass];
      const cut = incompleteReason(o);
      if (o.exchange.error && cut) return [skip(cut)];
      const tail = o.stream.framing.violations.find((v) => v.kind === 'done-missing')?.excerpt ?? '';
      const received = `a stream that ended without data: [DONE]; its last bytes ${tail}`;
      return [deviation('fail', 'done-missing', received, `the stream ends with data: [DONE] (${DOC})`)];
    }),
});

const doneOnce = defineCheck({
  id: 'streaming.done-once',
  area: 'streaming',
  severity: 'medium',
  rule: 'data: [DONE] is sent exactly once and is the last event of the stream.',
  source: DOC,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const { doneCount } = o.stream.framing;
      if (doneCount === 0) return [skip('the stream had no [DONE]; streaming.done-terminator reports it')];
      return framingOutcomes(o, ['done-repeated', 'data-after-done'], (v) => {
        const what = v.kind === 'done-repeated' ? 'another [DONE]' : `the event ${excerpt(v.excerpt)}`;
        const received = `${what} after [DONE] at byte ${v.offset} (${doneCount} × [DONE] in all)`;
        return deviation('fail', v.kind, received, `one data: [DONE], and nothing after it (${DOC})`);
      });
    }),
});

const CHUNK_OBJECT = `"chat.completion.chunk" (${OPENAI}; 000 says the object is always "chat.completion")`;

function objectOutcome(c: Chunk): Outcome {
  const object = dig(c.value, 'object');
  if (object === 'chat.completion.chunk') return pass;
  const received = `chunk ${c.position} /object = ${excerpt(object)}`;
  // 000's "always chat.completion" read literally: legal under another reading of the documents.
  const conflict = object === 'chat.completion' ? { conflict: 'chunk-object-name' } : {};
  return deviation('fail', `object:${excerpt(object, 40)}`, received, CHUNK_OBJECT, { path: '/object', ...conflict });
}

/** Azure's content-filter preamble, when it does not look like the stream's other chunks: one recognisable quirk. */
function preambleOutcome(c: Chunk): Outcome {
  const { object, id, model } = c.value;
  if (object === 'chat.completion.chunk' && id !== '' && model !== '') return pass;
  const received = `chunk ${c.position} with prompt_filter_results and choices [] has object ${excerpt(object)}, id ${excerpt(id)}, model ${excerpt(model)}`;
  const documented = `every chunk a chat.completion.chunk of the stream (${OPENAI}; Azure OpenAI opens a stream with a content-filter chunk)`;
  return deviation('warn', 'filter-preamble', received, documented, { path: '/object' });
}

const chunkObject = defineCheck({
  id: 'streaming.chunk-object',
  area: 'streaming',
  severity: 'medium',
  rule: 'Every chunk has object "chat.completion.chunk" (000 says "always chat.completion": conflict chunk-object-name).',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const preambles = payloadsOf(o).filter((c) => !c.afterDone && isFilterPreamble(c.value));
      return collapse([...preambles.map(preambleOutcome), ...clientChunks(o).map(objectOutcome)]);
    }),
});

function roleOutcomes(index: number, entries: readonly ChoiceDelta[]): Outcome[] {
  const documented = `the first delta of each choice carries role "assistant"; later deltas leave it out, repeat it or send null (${OPENAI})`;
  const path = '/choices/*/delta/role';
  return entries.map((entry, i) => {
    const delta = dig(entry.choice, 'delta');
    const role = dig(delta, 'role');
    const where = `chunk ${entry.chunk.position} choice ${index} delta.role`;
    // The official SDKs' stream helpers take the role from a delta that has one, and refuse a message without any.
    if (i === 0 && (role === undefined || role === null)) {
      const shown = role === null ? 'null' : 'absent';
      return deviation('fail', 'first-without-role', `${where} ${shown} in the first delta ${excerpt(delta)}`, documented, { path });
    }
    if (role === undefined || role === null || role === 'assistant') return pass;
    const received = `${where} = ${excerpt(role)}`;
    // The documents list system, user and assistant as response roles; a completion is authored by assistant.
    if (role === 'system' || role === 'user') {
      return deviation('fail', `role:${role}`, received, documented, { path, conflict: 'response-role-enum' });
    }
    return deviation('fail', 'role-invalid', received, documented, { path });
  });
}

const roleFirst = defineCheck({
  id: 'streaming.role-first',
  area: 'streaming',
  severity: 'medium',
  rule: 'The first delta of each choice carries role "assistant"; a later delta carries no other role.',
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const streams = [...choiceStreams(o)];
      if (streams.length === 0) return [skip('the stream carried no choice deltas')];
      return collapse(streams.flatMap(([index, entries]) => roleOutcomes(index, entries)));
    }),
});

/** Slack on `created` drift: the clock may tick between the first chunk's stamp and its arrival. */
const CREATED_SLACK_S = 1;

const shown = (c: Chunk, name: string): string => `chunk ${c.position} /${name} = ${excerpt(dig(c.value, name))}`;

/** id and model, which clients key a stream on: the same on every chunk. */
function sameOutcomes(chunks: readonly Chunk[], first: Chunk): Outcome[] {
  return (['id', 'model'] as const).flatMap((name) => {
    const other = chunks.find((c) => excerpt(dig(c.value, name)) !== excerpt(dig(first.value, name)));
    if (!other) return [];
    const documented = `the same ${name} on every chunk of one stream (${OPENAI})`;
    return [deviation('fail', name, `${shown(other, name)}, ${shown(first, name)}`, documented, { path: `/${name}` })];
  });
}

/**
 * `created` stays put; servers that stamp each chunk with the current second (Ollama, llama.cpp) let it move forward
 * by at most the time the stream took, which is unusual but harmless. Backwards, or further, is wrong.
 */
function createdOutcomes(chunks: readonly Chunk[], first: Chunk): Outcome[] {
  const start = dig(first.value, 'created');
  const documented = `the same created on every chunk of one stream; a forward drift within the stream's duration is tolerated (${OPENAI})`;
  const moved = chunks.filter((c) => excerpt(dig(c.value, 'created')) !== excerpt(start));
  const beyond = moved.find((c) => {
    const value = dig(c.value, 'created');
    if (typeof value !== 'number' || typeof start !== 'number') return true;
    return value < start || value - start > (c.atMs - first.atMs) / 1000 + CREATED_SLACK_S;
  });
  const path = { path: '/created' };
  if (beyond) return [deviation('fail', 'created', `${shown(beyond, 'created')}, ${shown(first, 'created')}`, documented, path)];
  const last = moved.at(-1);
  if (!last) return [];
  const received = `${shown(last, 'created')}, ${shown(first, 'created')} (${last.atMs - first.atMs} ms apart)`;
  return [deviation('warn', 'created-drift', received, documented, path)];
}

const stableIdentity = defineCheck({
  id: 'streaming.stable-identity',
  area: 'streaming',
  severity: 'medium',
  rule: "Every chunk of a stream carries the same id and model, and the same created (a forward drift within the stream's duration warns).",
  source: OPENAI,
  run: (evidence) =>
    onStreams(evidence, (o) => {
      const chunks = clientChunks(o);
      const first = chunks[0];
      if (!first) return [skip('the stream carried no JSON object chunks')];
      const found = [...sameOutcomes(chunks, first), ...createdOutcomes(chunks, first)];
      return found.length > 0 ? found : [pass];
    }),
});

/** Carries nothing of the answer: no text, no tool call, no finish_reason. */
const carriesNothing = (choice: unknown): boolean =>
  ['content', 'reasoning_content'].every((key) => !dig(choice, 'delta', key)) &&
  asArray(dig(choice, 'delta', 'tool_calls')).length === 0 &&
  !isFinish(dig(choice, 'finish_reason'));

/** An empty entry of a chunk that carries usage: the usage chunk with a non-empty choices, usage.chunk-empty-choices' to judge. */
const usageRider = (e: ChoiceDelta): boolean => isRecord(e.chunk.value['usage']) && carriesNothing(e.choice);

function finishOutcomes(index: number, all: readonly ChoiceDelta[]): Outcome[] {
  const entries = all.filter((e) => !usageRider(e));
  const documented = `one non-null finish_reason per choice, on its last delta; null (never "") before it (${DOC})`;
  const path = '/choices/*/finish_reason';
  const reasons = entries.map((e) => dig(e.choice, 'finish_reason'));
  const finishes = reasons.flatMap((r, i) => (isFinish(r) ? [i] : []));
  const where = (i: number) => `chunk ${entries[i]!.chunk.position} choice ${index}`;
  const found: Outcome[] = [];
  const empty = reasons.indexOf('');
  if (empty >= 0) found.push(deviation('fail', 'empty-string', `${where(empty)} finish_reason = ""`, documented, { path }));
  const [once, twice] = finishes;
  if (once === undefined) {
    found.push(deviation('fail', 'missing', `no finish_reason for choice ${index} in a complete stream`, documented));
  } else if (twice !== undefined) {
    const seen = list(
      finishes.map((i) => `${where(i)} = ${excerpt(reasons[i])}`),
      4,
    );
    found.push(deviation('fail', 'repeated', `${finishes.length} finish_reasons: ${seen}`, documented, { path }));
  } else if (once < entries.length - 1) {
    const received = `${where(once + 1)} after the finish of choice ${index}: ${excerpt(entries[once + 1]!.choice)}`;
    found.push(deviation('fail', 'after-finish', received, documented));
  }
  return found.length > 0 ? found : [pass];
}

const singleFinish = defineCheck({
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
});

/** The first `limit` indices in 0..n-1 that have no entries (bounded by the indices seen, whatever n is). */
function missingIndices(streams: ReadonlyMap<number, unknown>, n: number, limit = 5): number[] {
  const missing: number[] = [];
  for (let index = 0; index < n && missing.length < limit; index += 1) if (!streams.has(index)) missing.push(index);
  return missing;
}

function choiceOutcomes(o: Streamed): Outcome[] {
  const n = requestedN(o);
  const streams = choiceStreams(o);
  const seen = [...streams.keys()].sort((a, b) => a - b);
  const documented = `choices with index 0..${n - 1}, each streamed and finished (n = ${n}, ${DOC})`;
  const finished = (index: number) => streams.get(index)!.some((e) => isFinish(dig(e.choice, 'finish_reason')));
  const missing = missingIndices(streams, n);
  const unfinished = seen.filter((index) => index < n && !finished(index));
  const unexpected = seen.filter((index) => index >= n);
  const found: Outcome[] = [];
  if (missing.length > 0) {
    const received = `no delta for choice ${list(missing)}; indices seen: ${list(seen) || 'none'}`;
    found.push(deviation('fail', 'missing-choice', received, documented));
  }
  if (unfinished.length > 0) {
    found.push(deviation('fail', 'unfinished-choice', `choice ${list(unfinished)} never finished`, documented));
  }
  if (unexpected.length > 0) {
    found.push(deviation('fail', 'unexpected-index', `choice indices ${list(unexpected)}`, documented));
  }
  return found.length > 0 ? found : [pass];
}

const allChoices = defineCheck({
  id: 'streaming.all-choices',
  area: 'streaming',
  severity: 'high',
  rule: 'With n choices requested, every index 0..n-1 is streamed and finished, and no other index appears.',
  source: DOC,
  run: (evidence) => onCompleteStreams(evidence, choiceOutcomes),
});

/** Where two texts first differ, as a short excerpt of each side. */
function firstDifference(streamed: string, plain: string): string {
  const a = Array.from(streamed);
  const b = Array.from(plain);
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at += 1;
  const around = (chars: string[]) => excerpt(chars.slice(Math.max(0, at - 10), at + 20).join(''), 60);
  return `at character ${at}: stream …${around(a)} vs non-stream …${around(b)}`;
}

/** The streamed text equals the plain one but for characters that arrived as U+FFFD (streaming.utf8-intact's finding). */
function onlyReplacedCharacters(streamed: string, plain: string): boolean {
  if (!streamed.includes('\uFFFD')) return false;
  const pieces = streamed.split(/\uFFFD+/).map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${pieces.join('[\\s\\S]+?')}$`).test(plain);
}

/** At most this many stretches of the non-stream text missing from the stream count as pieces dropped in transit. */
const MAX_MISSING_PIECES = 3;

/**
 * True when the streamed text is the non-stream text with a few stretches left out (deltas lost on the way): no
 * sampling explains that, so it fails even on a target that is not deterministic.
 */
function piecesMissing(streamed: string, plain: string): boolean {
  if (streamed.length === 0 || streamed.length >= plain.length || streamed.length * 2 < plain.length) return false;
  let gaps = 0;
  let at = 0;
  for (let i = 0; i < plain.length && at < streamed.length; i += 1) {
    if (plain[i] === streamed[at]) at += 1;
    else if (i === 0 || plain[i - 1] === streamed[at - 1]) gaps += 1;
  }
  if (at < streamed.length) return false;
  if (streamed.length < plain.length && !plain.endsWith(streamed.slice(-1))) gaps += 1;
  return gaps > 0 && gaps <= MAX_MISSING_PIECES;
}

function matchOutcomes(pair: StreamPair, c: Comparison): Outcome[] {
  const choices = dig(okJson(pair.plain), 'choices');
  if (!Array.isArray(choices) || statusOf(pair.stream) !== 200) {
    return [skip('one side of the comparison was not a successful answer')];
  }
  const streams = choiceStreams(pair.stream);
  const documented = `the concatenated deltas equal message.content of the same seeded request (${OPENAI})`;
  const found = choices.flatMap((choice, i) => {
    const given = dig(choice, 'index');
    const index = isInteger(given) ? given : i;
    const content = dig(choice, 'message', 'content');
    const plain = typeof content === 'string' ? content : '';
    const streamed = deltaText(streams.get(index) ?? []);
    if (streamed === plain || onlyReplacedCharacters(streamed, plain)) return [];
    if (piecesMissing(streamed, plain)) {
      const received = `choice ${index}: the streamed content is the non-stream content with pieces missing ${firstDifference(streamed, plain)}`;
      return [deviation('fail', 'pieces-missing', received, documented)];
    }
    const received = `choice ${index}: streamed content differs ${firstDifference(streamed, plain)}`;
    return [deviation(c.deterministic ? 'fail' : 'warn', 'content-differs', received, documented)];
  });
  return found.length > 0 ? collapse(found) : [pass];
}

const matchesNonstream = defineCheck({
  id: 'streaming.matches-nonstream',
  area: 'streaming',
  severity: 'medium',
  rule: 'The deltas concatenate to message.content of the same seeded request without stream (a warning unless deterministic).',
  source: OPENAI,
  run: (evidence) => onStreamPairs(evidence, matchOutcomes),
});

/** Arrival times of the chunks whose deltas carry generated text (content or reasoning). */
function contentArrivals(o: Streamed): number[] {
  const carriesText = (choice: unknown): boolean =>
    ['content', 'reasoning_content'].some((key) => {
      const text = dig(choice, 'delta', key);
      return typeof text === 'string' && text !== '';
    });
  return clientChunks(o)
    .filter((c) => asArray(dig(c.value, 'choices')).some(carriesText))
    .map((c) => c.atMs);
}

/**
 * A burst is all content in one read, or within a sliver of the time it took to arrive. A stream whose content all
 * arrived within INCREMENTAL_MIN_MS of the request is too quick to tell (a reference with no pacing) and is skipped.
 */
function pacingOutcome(o: Streamed): Outcome {
  const arrivals = contentArrivals(o);
  if (arrivals.length < INCREMENTAL_MIN_EVENTS) return skip(`only ${arrivals.length} content events; too few to judge`);
  const first = Math.min(...arrivals);
  const last = Math.max(...arrivals);
  if (last < INCREMENTAL_MIN_MS) return skip(`all content arrived within ${last} ms of the request; too fast to judge`);
  const reads = new Set(arrivals).size;
  if (reads > 1 && last - first >= INCREMENTAL_MIN_SHARE * last) return pass;
  const received = `${arrivals.length} content events in ${reads} read(s), between ${first} and ${last} ms after the request`;
  const share = `${INCREMENTAL_MIN_SHARE * 100}%`;
  return deviation('warn', 'burst', received, `content spread over several reads and over ${share} of that time (${DOC})`);
}

const incremental = defineCheck({
  id: 'streaming.incremental',
  area: 'streaming',
  severity: 'low',
  rule: 'Tokens are sent as they become available ("当它们可用时"): content arrives over several reads, not in one burst.',
  source: DOC,
  run: (evidence) => onCompleteStreams(evidence, (o) => [pacingOutcome(o)]),
});

function replacementOutcomes(o: Streamed): Outcome[] {
  if (o.stream.framing.violations.some((v) => v.kind === 'invalid-utf8')) {
    return [skip('the body bytes are not valid UTF-8; transport.valid-utf8 reports it')];
  }
  const documented = `characters intact across deltas: no U+FFFD where a multi-byte character was split (${OPENAI})`;
  const found = [...choiceStreams(o)].flatMap(([index, entries]) =>
    entries.flatMap((e) =>
      ['content', 'reasoning_content'].flatMap((key) => {
        const text = dig(e.choice, 'delta', key);
        if (typeof text !== 'string' || !text.includes('\uFFFD')) return [];
        const received = `chunk ${e.chunk.position} choice ${index} delta.${key} = ${excerpt(text)} (U+FFFD)`;
        return [deviation('fail', 'replacement-char', received, documented, { path: `/choices/*/delta/${key}` })];
      }),
    ),
  );
  return found.length > 0 ? collapse(found) : [pass];
}

const utf8Intact = defineCheck({
  id: 'streaming.utf8-intact',
  area: 'streaming',
  severity: 'high',
  rule: 'Multi-byte characters survive being split across deltas: no delta carries U+FFFD.',
  source: OPENAI,
  run(evidence) {
    const pair = evidence.kind === 'comparison' ? streamPair(evidence.a, evidence.b) : undefined;
    if (!pair) return onStreams(evidence, replacementOutcomes);
    // U+FFFD in the non-stream answer too means the model wrote it; it is not a split.
    const plain = JSON.stringify(dig(okJson(pair.plain), 'choices') ?? null);
    if (plain.includes('\uFFFD')) return [skip('the non-stream answer contains U+FFFD as well')];
    return onStreams(pair.stream, replacementOutcomes);
  },
});

export const streamingChecks = [
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
] as const;
