/**
 * What the official SDKs make of the target's answers. Each check compares what a client library gave its caller with
 * what the wire carried underneath: a failure means code written against that library breaks on this target, whatever
 * the wire checks think of the bytes. Findings read "the raw answer was …; <library> returned … / threw …".
 */
import { isDeepStrictEqual } from 'node:util';
import { compileUserSchema } from '../contract/validators.ts';
import type { ClientError, ClientEvidence, Evidence, Observation, Outcome } from '../core/evidence.ts';
import { dig, excerpt, isRecord } from '../core/json.ts';
import { answerOf, choiceStreams, clientChunks, deltaText } from './answers.ts';
import { describeStatus, errorText, isStream, isSuccess, statusOf, transportSkip } from './guards.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const SOURCE = 'client libraries: the openai SDK and the Vercel AI SDK (as installed)';

/** The evidence of one kind of client call (by its tag), or undefined. */
const clientCall = (evidence: Evidence, tag: string): ClientEvidence | undefined =>
  evidence.kind === 'client' && evidence.tags.includes(tag) ? evidence : undefined;

const LIBRARY_NAMES = { openai: 'openai', 'ai-sdk': 'the AI SDK' } as const;

/** `openai 6.49.0 chat.completions.create`, and whether it read an answer recorded for the other library's request. */
const who = (e: ClientEvidence): string =>
  `${LIBRARY_NAMES[e.library]} ${e.version} ${e.call}${e.replayed ? ' (the same answer replayed to it)' : ''}`;

const clip = (text: string, max = 200): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const threwText = (error: ClientError): string =>
  `threw ${error.name}${error.status !== undefined ? ` (status ${error.status})` : ''}: ${JSON.stringify(clip(error.message))}`;

/** The raw answer in one line: status, content type and the start of the body. */
function raw(o: Observation): string {
  const body = o.exchange.response?.excerpt ?? '';
  return `${describeStatus(o)} ${JSON.stringify(clip(body.replace(/\s+/g, ' ').trim(), 160))}`;
}

/** A failure in the idiom of this area: the raw answer, then what the library made of it. */
const clientFail = (key: string, e: ClientEvidence, rawPart: string, libraryPart: string, documented: string): Outcome =>
  fail(`${e.library}:${key}`, receivedDocumented(`the raw answer was ${rawPart}; ${who(e)} ${libraryPart}`, documented));

/** Why a call cannot be judged on its answer: nothing sent, no response, a rate limit. */
function unanswered(e: ClientEvidence): { o: Observation } | { outcome: Outcome } {
  const o = e.observations[0];
  if (!o) return { outcome: skip(`${LIBRARY_NAMES[e.library]} sent nothing`) };
  const skipped = transportSkip(o);
  return skipped ? { outcome: skipped } : { o };
}

/** The answer of a call that should have succeeded, or the skip that replaces judging it. */
function answered(e: ClientEvidence, streamed: boolean): { o: Observation } | { outcome: Outcome } {
  const checked = unanswered(e);
  if ('outcome' in checked) return checked;
  const { o } = checked;
  if (!isSuccess(statusOf(o)))
    return { outcome: skip(`the target refused the request (${describeStatus(o)}); clients.typed-errors judges how the refusal surfaced`) };
  if (streamed && !isStream(o)) return { outcome: skip('the answer was not a stream (judged by streaming.content-type)') };
  return checked;
}

/** The value as the libraries hand it on: absent and null alike. */
const orNull = (value: unknown): unknown => (value === undefined ? null : value);

/** The AI SDK's finish reasons for the wire's (anything else becomes "other"); a refusal that stops is a content filter. */
function aiSdkFinish(wire: unknown, refused: boolean): string {
  if (wire === 'stop') return refused ? 'content-filter' : 'stop';
  if (wire === 'length') return wire;
  if (wire === 'content_filter') return 'content-filter';
  if (wire === 'tool_calls' || wire === 'function_call') return 'tool-calls';
  return 'other';
}

/** What a library should hand its caller for the wire's usage: openai passes it on as it is; the AI SDK reads the counts. */
function expectedUsage(e: ClientEvidence, wire: unknown): unknown {
  if (e.library === 'openai') return orNull(wire);
  if (!isRecord(wire)) return { inputTokens: undefined, outputTokens: undefined };
  const count = (key: string) => (typeof wire[key] === 'number' ? wire[key] : 0);
  return { inputTokens: count('prompt_tokens'), outputTokens: count('completion_tokens') };
}

function sameUsage(e: ClientEvidence, wire: unknown): boolean {
  const got = dig(e.returned, 'usage');
  const expected = expectedUsage(e, wire);
  if (e.library === 'openai') return isDeepStrictEqual(orNull(got), expected);
  return isRecord(expected) && dig(got, 'inputTokens') === expected['inputTokens'] && dig(got, 'outputTokens') === expected['outputTokens'];
}

const nonstreamParse = defineCheck({
  id: 'clients.nonstream-parse',
  area: 'clients',
  severity: 'high',
  rule: "A completion reaches each SDK's caller with the content, role, finish reason and usage the wire carried.",
  source: SOURCE,
  run(evidence) {
    const e = clientCall(evidence, 'completion');
    if (!e) return [];
    const checked = answered(e, false);
    if ('outcome' in checked) return [checked.outcome];
    const { o } = checked;
    const choice = answerOf(o)?.choices[0];
    if (!choice) return [skip('the answer carries no choice to compare (judged by the schema checks)')];
    const documented = 'the completion as the SDK exposes it: the content, role, finish reason and usage of the raw answer';
    if (e.threw) return [clientFail('threw', e, raw(o), threwText(e.threw), documented)];
    const got = e.returned ?? {};
    if (e.library === 'openai' && got['type'] !== 'object') {
      return [clientFail('not-an-object', e, raw(o), `returned a ${String(got['type'])} instead of a completion object`, documented)];
    }
    const usage = answerOf(o)?.usage;
    const wire = (...path: string[]) => orNull(dig(o.json, 'choices', 0, ...path));
    const refused = typeof wire('message', 'refusal') === 'string';
    const expected: Array<[string, unknown, unknown]> =
      e.library === 'openai'
        ? [
            ['content', wire('message', 'content'), orNull(got['content'])],
            ['role', wire('message', 'role'), orNull(got['role'])],
            ['finish reason', wire('finish_reason'), orNull(got['finishReason'])],
          ]
        : [
            ['text', choice.content ?? '', got['content']],
            ['finish reason', aiSdkFinish(choice.finishReason, refused), got['finishReason']],
          ];
    const differ = expected
      .filter(([, wire, sdk]) => !isDeepStrictEqual(wire, sdk))
      .map(([field, wire, sdk]) => `${field} ${excerpt(sdk, 80)} where the wire says ${excerpt(wire, 80)}`);
    if (!sameUsage(e, usage)) differ.push(`usage ${excerpt(got['usage'], 100)} where the wire says ${excerpt(usage ?? null, 100)}`);
    if (differ.length === 0) return [pass];
    return [clientFail('fields', e, raw(o), `returned ${differ.join('; ')}`, documented)];
  },
});

/** The text of choice 0 as a client reads the stream: its content deltas joined, up to `[DONE]`. */
const wireText = (o: Observation): string => deltaText(choiceStreams(o).get(0) ?? []);

const streamAssembly = defineCheck({
  id: 'clients.stream-assembly',
  area: 'clients',
  severity: 'high',
  rule: "Each SDK reads a stream to its end without an error, and its accumulated text is the wire's deltas joined.",
  source: SOURCE,
  run(evidence) {
    const e = clientCall(evidence, 'stream');
    if (!e) return [];
    const checked = answered(e, true);
    if ('outcome' in checked) return [checked.outcome];
    const { o } = checked;
    const text = wireText(o);
    const rawPart = `a stream of ${clientChunks(o).length} chunks whose deltas join to ${excerpt(text, 100)}`;
    const documented = "the stream read to its end, the SDK's text equal to the deltas joined";
    const got = dig(e.returned, 'content');
    if (e.threw) return [clientFail('threw', e, rawPart, `${threwText(e.threw)} while reading it`, documented)];
    // A stream without content leaves openai's helper at content null, the AI SDK at "".
    if ((got ?? '') === text) return [pass];
    return [clientFail('text', e, rawPart, `assembled ${excerpt(orNull(got), 100)}`, documented)];
  },
});

/** The usage a client reads from a stream: the last chunk before `[DONE]` whose usage is not null. */
function streamedUsage(o: Observation): unknown {
  const chunk = clientChunks(o)
    .filter((c) => c.value['usage'] !== undefined && c.value['usage'] !== null)
    .at(-1);
  return chunk?.value['usage'];
}

const streamUsage = defineCheck({
  id: 'clients.stream-usage',
  area: 'clients',
  severity: 'medium',
  rule: 'With stream_options.include_usage, each SDK hands its caller the usage the stream carried.',
  source: SOURCE,
  run(evidence) {
    const e = clientCall(evidence, 'include-usage');
    if (!e) return [];
    const checked = answered(e, true);
    if ('outcome' in checked) return [checked.outcome];
    const { o } = checked;
    if (e.threw) return [skip('the stream itself failed in the SDK; clients.stream-assembly reports it')];
    const usage = streamedUsage(o);
    if (usage === undefined) return [skip('the stream carried no usage (judged by usage.chunk-present)')];
    if (sameUsage(e, usage)) return [pass];
    const got = dig(e.returned, 'usage');
    return [
      clientFail(
        'usage',
        e,
        `a stream whose usage chunk says ${excerpt(usage, 120)}`,
        `reported usage ${excerpt(orNull(got), 120)}`,
        "the stream's usage, as the SDK exposes it",
      ),
    ];
  },
});

/** The calls of choice 0 as a client assembles them: name, and argument fragments joined. */
function wireCalls(o: Observation): Array<{ name: unknown; arguments: unknown }> {
  return (answerOf(o)?.choices.find((c) => c.index === 0)?.toolCalls ?? []).map((call) => ({ name: call.name, arguments: call.arguments }));
}

const NOT_JSON = Symbol('not JSON');

function parsedArguments(args: unknown): unknown {
  if (typeof args !== 'string') return NOT_JSON;
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const toolCallAssembly = defineCheck({
  id: 'clients.tool-call-assembly',
  area: 'clients',
  severity: 'high',
  rule: 'Each SDK assembles streamed tool calls into the names and arguments the wire carried.',
  source: SOURCE,
  run(evidence) {
    const e = clientCall(evidence, 'tool-stream');
    if (!e) return [];
    const checked = answered(e, true);
    if ('outcome' in checked) return [checked.outcome];
    const { o } = checked;
    const calls = wireCalls(o);
    if (calls.length === 0) return [skip('the answer called no tool (judged by tools.choice-honoured)')];
    const rawPart = `a stream carrying ${calls.map((c) => `${String(c.name)}(${excerpt(c.arguments, 80)})`).join(', ')}`;
    const documented = 'the same tool calls, name and arguments, as the SDK exposes them';
    if (e.library === 'ai-sdk' && calls.some((call) => parsedArguments(call.arguments) === NOT_JSON)) {
      return [skip('the arguments are not JSON, so the AI SDK cannot read them (judged by tools.arguments-valid)')];
    }
    if (e.threw) return [clientFail('threw', e, rawPart, threwText(e.threw), documented)];
    const got = Array.isArray(dig(e.returned, 'toolCalls')) ? (dig(e.returned, 'toolCalls') as unknown[]) : [];
    const gotText = got.length === 0 ? 'no tool call' : got.map((c) => excerpt(c, 100)).join(', ');
    // openai hands over the arguments string; the AI SDK the object it parsed from it.
    const same = (mine: unknown, call: (typeof calls)[number]): boolean =>
      dig(mine, 'name') === call.name &&
      (e.library === 'openai'
        ? dig(mine, 'arguments') === call.arguments
        : isDeepStrictEqual(dig(mine, 'input'), parsedArguments(call.arguments)));
    const unmatched = [...got];
    for (const call of calls) {
      const at = unmatched.findIndex((mine) => same(mine, call));
      if (at < 0) return [clientFail('calls', e, rawPart, `assembled ${gotText}`, documented)];
      unmatched.splice(at, 1);
    }
    return unmatched.length === 0 ? [pass] : [clientFail('calls', e, rawPart, `assembled ${gotText}`, documented)];
  },
});

const structuredOutput = defineCheck({
  id: 'clients.structured-output',
  area: 'clients',
  severity: 'high',
  rule: "Each SDK's structured-output helper parses a json_schema answer into an object valid against the schema sent.",
  source: SOURCE,
  run(evidence) {
    const e = clientCall(evidence, 'structured');
    if (!e) return [];
    const checked = answered(e, false);
    if ('outcome' in checked) return [checked.outcome];
    const { o } = checked;
    const choice = answerOf(o)?.choices[0];
    if (!choice) return [skip('the answer carries no choice to parse (judged by the schema checks)')];
    if (choice.finishReason === 'length') return [skip('the answer was cut by the token limit ("length"), which may truncate the JSON')];
    if (choice.finishReason === 'content_filter' || typeof dig(o.json, 'choices', 0, 'message', 'refusal') === 'string') {
      return [skip('the model refused or was filtered, so there is no object to parse')];
    }
    const compiled = compileUserSchema(dig(o.sent, 'response_format', 'json_schema', 'schema'));
    if (!compiled.ok) return [skip(`the schema sent does not compile (${compiled.error})`)];
    const rawPart = `content ${excerpt(choice.content, 120)}`;
    const documented = "an object valid against the schema sent, from the SDK's parse helper";
    if (e.threw) return [clientFail('threw', e, rawPart, threwText(e.threw), documented)];
    const parsed = dig(e.returned, 'parsed');
    const validation = compiled.validate(parsed);
    if (parsed !== undefined && parsed !== null && validation.ok) return [pass];
    const why = validation.ok ? '' : `, which is not valid: ${validation.violations[0]?.message ?? 'invalid'}`;
    return [clientFail('parsed', e, rawPart, `parsed ${excerpt(orNull(parsed), 100)}${why}`, documented)];
  },
});

/** The class the openai SDK throws for an error status. */
function openaiErrorClass(status: number): string {
  const named: Record<number, string> = {
    400: 'BadRequestError',
    401: 'AuthenticationError',
    403: 'PermissionDeniedError',
    404: 'NotFoundError',
    409: 'ConflictError',
    422: 'UnprocessableEntityError',
    429: 'RateLimitError',
  };
  return named[status] ?? (status >= 500 ? 'InternalServerError' : 'APIError');
}

const typedError = (e: ClientEvidence, status: number): string => (e.library === 'openai' ? openaiErrorClass(status) : 'APICallError');

/** Whitespace-insensitive: libraries may re-flow what they quote. */
const squeeze = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The explanation a client should see: the error message of a JSON body or the text of a plain-text one. */
function wireMessage(o: Observation): string {
  const plainText = /^text\/plain\b/i.test(o.exchange.response?.headers['content-type'] ?? '');
  return o.json !== undefined || plainText ? squeeze(errorText(o)).slice(0, 200) : '';
}

const typedErrors = defineCheck({
  id: 'clients.typed-errors',
  area: 'clients',
  severity: 'high',
  rule: "An error answer (400, 401, 404, 429 …) surfaces as the SDK's typed error with the wire's status and its message.",
  source: SOURCE,
  run(evidence) {
    if (evidence.kind !== 'client') return [];
    const e = evidence;
    // The deliberate mistakes are judged whatever came back; other calls only when the answer is an error.
    const mistake = e.tags.some((t) => t.startsWith('expect:'));
    const o = e.observations[0];
    if (!o?.exchange.response) return mistake ? [skip('no answer to judge')] : [];
    const status = statusOf(o) ?? 0;
    const refused = !isSuccess(status);
    if (!refused && !(mistake && isRecord(dig(o.json, 'error')))) {
      return mistake
        ? [skip(`the target served the request instead of refusing it (${describeStatus(o)}); the errors and auth checks report it`)]
        : [];
    }
    const message = wireMessage(o);
    const wanted = refused ? `${typedError(e, status)} with status ${status}` : 'error';
    const documented = `the SDK's ${wanted}${message ? ', carrying the message the target sent' : ''}`;
    if (!e.threw) return [clientFail('returned', e, raw(o), 'returned as if the request had succeeded', documented)];
    if (refused && (e.threw.status !== status || e.threw.name !== typedError(e, status))) {
      return [clientFail(`status-${status}`, e, raw(o), threwText(e.threw), documented)];
    }
    if (message !== '' && !squeeze(e.threw.message).includes(message))
      return [clientFail('message', e, raw(o), threwText(e.threw), documented)];
    return [pass];
  },
});

/** An error that only says the caller's own cancel took effect. */
const isAbort = (error: ClientError): boolean => /abort/i.test(error.name) || /\babort(ed)?\b/i.test(error.message);

function judgeCancel(e: ClientEvidence): Outcome[] {
  const o = e.observations[0];
  if (!o || o.exchange.unsent) return [skip(`${LIBRARY_NAMES[e.library]} sent nothing`)];
  const error = o.exchange.error;
  if (error && error.code !== 'aborted')
    return [skip(`the exchange was cut (${error.code}: ${error.message}); the transport checks report it`)];
  if (!o.exchange.response || !isSuccess(statusOf(o))) return [skip(`the target did not stream (${describeStatus(o)})`)];
  const cancelled = dig(e.returned, 'cancelled') === true;
  if (!cancelled)
    return [
      skip(
        e.threw
          ? `the stream failed before its first text (${e.threw.name}); clients.stream-assembly judges streams`
          : 'no text arrived to cancel after',
      ),
    ];
  const documented = "the SDK's stream ends quietly once cancelled, and the connection is closed";
  const rawPart = `a stream cancelled after its first text (${error ? error.message : 'read to its end'})`;
  if (e.threw && !isAbort(e.threw)) return [clientFail('threw', e, rawPart, `${threwText(e.threw)} instead of ending`, documented)];
  if (!error) return [skip('the whole stream had arrived before the cancel took effect, so there was nothing left to cut')];
  return [pass];
}

function judgeAfterCancel(e: ClientEvidence): Outcome[] {
  const checked = unanswered(e);
  if ('outcome' in checked) return [checked.outcome];
  const { o } = checked;
  if (isSuccess(statusOf(o))) {
    // Served: whether the SDK could read the answer is for the other clients checks.
    return [
      e.threw
        ? skip(
            `the target served it, but ${LIBRARY_NAMES[e.library]} could not read the answer (${e.threw.name}); the other clients checks report that`,
          )
        : pass,
    ];
  }
  const what = e.threw ? threwText(e.threw) : 'returned';
  return [
    clientFail(
      'after-cancel',
      e,
      `${raw(o)} to the same conversation asked again after a stream of it was cancelled mid-way`,
      what,
      'the conversation served again once its cancelled stream is closed',
    ),
  ];
}

const cancelMidStream = defineCheck({
  id: 'clients.cancel-mid-stream',
  area: 'clients',
  severity: 'medium',
  rule: 'A stream the client cancels mid-way ends quietly in each SDK, its connection is closed, and the conversation can be asked again.',
  source: SOURCE,
  // The cancelled exchange is cut on purpose: this check reads it.
  judgesDamage: true,
  run(evidence) {
    const cancelled = clientCall(evidence, 'cancel');
    if (cancelled) return judgeCancel(cancelled);
    const after = clientCall(evidence, 'after-cancel');
    if (!after) return [];
    const damage = after.observations[0]?.damage;
    return damage ? [skip(`${damage}; the transport checks report it`)] : judgeAfterCancel(after);
  },
});

export const clientsChecks = [
  nonstreamParse,
  streamAssembly,
  streamUsage,
  toolCallAssembly,
  structuredOutput,
  typedErrors,
  cancelMidStream,
] as const;
