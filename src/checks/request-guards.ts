/**
 * Small readers shared by the request-driven checks (params, semantics, errors, auth and the capability areas).
 * Every function here tolerates hostile input: any value may be missing, of the wrong type or cyclic-free garbage.
 */
import type { ChunkEvidence, Observation, Outcome } from './types.ts';
import { skip } from './outcome.ts';

type JsonRecord = Record<string, unknown>;

export const isRecord = (value: unknown): value is JsonRecord =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Reads `value[k1][k2]…`, undefined as soon as a step is not an object or array. */
export function dig(value: unknown, ...keys: Array<string | number>): unknown {
  let at: unknown = value;
  for (const key of keys) {
    if (Array.isArray(at) && typeof key === 'number') at = at[key];
    // Own properties only: a body must not reach inherited members such as `constructor`.
    else if (isRecord(at) && typeof key === 'string' && Object.hasOwn(at, key)) at = at[key];
    else return undefined;
  }
  return at;
}

export const hasTag = (observation: Observation, tag: string): boolean => observation.tags.includes(tag);

/** The value of a `name:value` tag, when present. */
export function tagValue(observation: Observation, name: string): string | undefined {
  const prefix = `${name}:`;
  return observation.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

export const statusOf = (observation: Observation): number | undefined => observation.exchange.response?.status;

export function contentTypeOf(observation: Observation): string {
  return (observation.exchange.response?.headers['content-type'] ?? '').toLowerCase();
}

export const isJsonContentType = (contentType: string): boolean => /^application\/([\w.+-]*\+)?json\b/.test(contentType);

/** A skip when nothing usable came back (transport failure or no response), else undefined. */
export function transportSkip(observation: Observation): Outcome | undefined {
  const error = observation.exchange.error;
  if (error && error.code === 'budget-exhausted') return skip('the request budget was used up before this request');
  if (!observation.exchange.response) {
    return skip(`no response (${error ? `${error.code}: ${error.message}` : 'nothing received'})`);
  }
  return undefined;
}

export interface ErrorBody {
  message?: unknown;
  type?: unknown;
  param?: unknown;
  code?: unknown;
}

/** The `error` object of a non-stream body, or undefined when the body is not `{error:{…}}`. */
export function errorBody(observation: Observation): ErrorBody | undefined {
  const error = dig(observation.json, 'error');
  if (!isRecord(error)) return undefined;
  return {
    message: error['message'],
    type: error['type'],
    param: error['param'],
    code: error['code'],
  };
}

/** Whatever text the target used to explain an error: `error.message`, a flat `message`/`detail`, or the raw body. */
export function errorText(observation: Observation): string {
  const candidates = [
    dig(observation.json, 'error', 'message'),
    dig(observation.json, 'error'),
    dig(observation.json, 'message'),
    dig(observation.json, 'detail'),
  ];
  for (const c of candidates) if (typeof c === 'string' && c.trim() !== '') return c;
  if (observation.json === undefined) return observation.exchange.response?.excerpt ?? '';
  return '';
}

const UNSUPPORTED =
  /not\s+support|unsupported|does\s*n[o']t\s+support|not\s+available|no\s+such\s+model|model[^.]{0,40}(not\s+found|does\s+not\s+exist|unknown|invalid)|(unknown|invalid|unrecognized)\s+(model|parameter|field|argument)|not\s+(found|exist)|不支持|不存在/i;

/**
 * A skip when the target plainly says it lacks the capability (400/404/422 whose message says the
 * parameter or model is unsupported or unknown). Such answers are never a pass.
 */
export function unsupportedSkip(observation: Observation, what: string): Outcome | undefined {
  const status = statusOf(observation);
  if (status !== 400 && status !== 404 && status !== 422) return undefined;
  const text = errorText(observation);
  if (!UNSUPPORTED.test(text)) return undefined;
  return skip(`the target says ${what} is not available: HTTP ${status} ${JSON.stringify(text.slice(0, 160))}`);
}

export interface AnswerToolCall {
  /** `index` as received (streams), or the array position (non-stream). */
  index: unknown;
  id: unknown;
  type: unknown;
  name: unknown;
  /** Non-stream: the value received. Stream: the fragments joined, or the first non-string fragment as received. */
  arguments: unknown;
  /** JSON pointer of the first place this call appeared. */
  path: string;
}

/** One choice of a successful answer, read the same way from a JSON body or from stream chunks. */
export interface AnswerChoice {
  index: number;
  /** Concatenated content; null when no content was ever sent. */
  content: string | null;
  reasoning: string | null;
  /** The finish_reason as received (last non-null value in a stream); null when none. */
  finishReason: unknown;
  toolCalls: AnswerToolCall[];
  /** Non-stream: `choice.logprobs` as received. Stream: the `logprobs.content` entries joined, or null when none came. */
  logprobs: unknown;
  /** JSON pointer prefix for messages: `/choices/0/message` or `/choices/0/delta`. */
  path: string;
}

export interface Answer {
  choices: AnswerChoice[];
  usage: unknown;
  streamed: boolean;
}

/**
 * The answer a 2xx response carried, or undefined when there is none to read (no choices array, not JSON).
 * Streams are folded per choice index; a chunk that does not parse is ignored here (the streaming checks judge it).
 */
export function answerOf(observation: Observation): Answer | undefined {
  const status = statusOf(observation);
  if (status === undefined || status < 200 || status >= 300) return undefined;
  if (observation.stream) return foldStream(observation.stream.chunks);
  const choices = dig(observation.json, 'choices');
  if (!Array.isArray(choices)) return undefined;
  return {
    streamed: false,
    usage: dig(observation.json, 'usage'),
    choices: choices.map((choice, position): AnswerChoice => {
      const message = dig(choice, 'message');
      const index = dig(choice, 'index');
      const at = `/choices/${position}/message`;
      return {
        index: isInteger(index) ? index : position,
        content: typeof dig(message, 'content') === 'string' ? (dig(message, 'content') as string) : null,
        reasoning:
          typeof dig(message, 'reasoning_content') === 'string' ? (dig(message, 'reasoning_content') as string) : null,
        finishReason: dig(choice, 'finish_reason') ?? null,
        toolCalls: asArray(dig(message, 'tool_calls')).map((call, i) => ({
          index: i,
          id: dig(call, 'id'),
          type: dig(call, 'type'),
          name: dig(call, 'function', 'name'),
          arguments: dig(call, 'function', 'arguments'),
          path: `${at}/tool_calls/${i}`,
        })),
        logprobs: dig(choice, 'logprobs') ?? null,
        path: at,
      };
    }),
  };
}

interface StreamCallDraft extends AnswerToolCall {
  parts: unknown[];
}

interface StreamChoiceDraft {
  index: number;
  content: string[];
  reasoning: string[];
  finishReason: unknown;
  calls: StreamCallDraft[];
  logprobs: unknown[] | null;
}

function foldStream(chunks: readonly ChunkEvidence[]): Answer {
  const drafts = new Map<number, StreamChoiceDraft>();
  let usage: unknown;
  for (const chunk of chunks) {
    const value = chunk.value;
    if (!isRecord(value)) continue;
    if (isRecord(value['usage'])) usage = value['usage'];
    asArray(value['choices']).forEach((choice, position) => {
      const rawIndex = dig(choice, 'index');
      const index = isInteger(rawIndex) ? rawIndex : position;
      let draft = drafts.get(index);
      if (!draft) {
        draft = { index, content: [], reasoning: [], finishReason: null, calls: [], logprobs: null };
        drafts.set(index, draft);
      }
      const delta = dig(choice, 'delta');
      const content = dig(delta, 'content');
      if (typeof content === 'string') draft.content.push(content);
      const reasoning = dig(delta, 'reasoning_content');
      if (typeof reasoning === 'string') draft.reasoning.push(reasoning);
      const finish = dig(choice, 'finish_reason');
      if (finish !== null && finish !== undefined) draft.finishReason = finish;
      const entries = dig(choice, 'logprobs', 'content');
      if (Array.isArray(entries)) draft.logprobs = [...(draft.logprobs ?? []), ...entries];
      asArray(dig(delta, 'tool_calls')).forEach((call, i) => {
        foldCallDelta(draft, call, `/choices/${position}/delta/tool_calls/${i} (chunk ${chunk.position})`);
      });
    });
  }
  const choices = [...drafts.values()]
    .sort((a, b) => a.index - b.index)
    .map(
      (d): AnswerChoice => ({
        index: d.index,
        content: d.content.length ? d.content.join('') : null,
        reasoning: d.reasoning.length ? d.reasoning.join('') : null,
        finishReason: d.finishReason,
        toolCalls: d.calls.map(({ parts, ...call }) => ({
          ...call,
          arguments: parts.every((p) => typeof p === 'string') ? parts.join('') : parts.find((p) => typeof p !== 'string'),
        })),
        logprobs: d.logprobs === null ? null : { content: d.logprobs },
        path: `/choices/${d.index}/delta`,
      }),
    );
  return { choices, usage, streamed: true };
}

/** Deltas without an integer index continue the most recent call, as most clients would do. */
function foldCallDelta(draft: StreamChoiceDraft, call: unknown, path: string): void {
  const index = dig(call, 'index');
  let target = isInteger(index) ? draft.calls.find((c) => c.index === index) : draft.calls.at(-1);
  if (!target) {
    target = { index, id: undefined, type: undefined, name: undefined, arguments: undefined, parts: [], path };
    draft.calls.push(target);
  }
  const id = dig(call, 'id');
  if (id !== undefined && id !== null && target.id === undefined) target.id = id;
  const type = dig(call, 'type');
  if (type !== undefined && type !== null && target.type === undefined) target.type = type;
  // The name is sent once by convention; a repeated identical name must not be doubled up.
  const name = dig(call, 'function', 'name');
  if (name !== undefined && name !== null && name !== '' && target.name === undefined) target.name = name;
  const args = dig(call, 'function', 'arguments');
  if (args !== undefined && args !== null) target.parts.push(args);
}

/** `usage.completion_tokens` when it is a non-negative integer. */
export function completionTokens(answer: Answer): number | undefined {
  const value = dig(answer.usage, 'completion_tokens');
  return isInteger(value) && value >= 0 ? value : undefined;
}

/** Names of the tools a request declared. */
export function declaredToolNames(sent: JsonRecord | undefined): string[] {
  return asArray(sent?.['tools'])
    .map((tool) => dig(tool, 'function', 'name'))
    .filter((name): name is string => typeof name === 'string');
}

/** Short, single-line description of an HTTP answer for `Received:` lines. */
export function describeStatus(observation: Observation): string {
  const response = observation.exchange.response;
  if (!response) return observation.exchange.error ? `no response (${observation.exchange.error.code})` : 'no response';
  const type = response.headers['content-type'];
  return `HTTP ${response.status}${type ? ` (${type})` : ''}`;
}
