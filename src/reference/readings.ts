/**
 * Readings: legal variants that follow another reading of the documents, each modelled on a widely used server as
 * its public documentation and source show it. None of them breaks an OpenAI-compatible client, so the lenient
 * profile passes them; the checks named in `observedBy` see the departure, which warns under the documented profile
 * and fails under strict.
 */
import type { ChatCompletionChunk, ErrorObject, ErrorResponse, Usage } from '../contract/types.ts';
import { isRecord } from '../core/json.ts';
import { isUsageChunk, mapChoices } from './answer-editing.ts';
import type { Behaviour, ErrorReply, WriteContext } from './behaviour.ts';
import { withChoices, withTokens } from './completion-editing.ts';
import { offContract } from './off-contract.ts';
import { finish, flushStreamHeaders, pause, send } from './paced-writer.ts';
import { dataEvent, partObject } from './sse-events.ts';
import { violationOf } from './validate.ts';

/** Long enough that a clock read per chunk crosses at least one second boundary. */
const CLOCK_STREAM_MS = 1100;

/** The current Unix second, as servers that stamp each chunk when they write it read it. */
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * llama.cpp and Ollama stamp every chunk with the second it is written (`std::time(0)`, `time.Now().Unix()`), so
 * `created` moves forward through a stream that takes longer than a second; this one is paced to take at least that.
 * Other bodies go out as the server writes them.
 */
async function writeClockStamped(parts: Uint8Array[], ctx: WriteContext): Promise<void> {
  flushStreamHeaders(ctx);
  const chunks = ctx.stream ? parts.map(clockedChunk) : [];
  // Paced over the chunks that carry created, not [DONE], so the first and last stamps lie a second apart.
  const clocked = chunks.filter((chunk) => chunk !== undefined).length;
  const gapMs = ctx.stream ? Math.max(ctx.gapMs, Math.ceil(CLOCK_STREAM_MS / Math.max(1, clocked - 1))) : 0;
  for (const [i, part] of parts.entries()) {
    await pause(i === 0 ? ctx.ttftMs : gapMs, ctx);
    const chunk = chunks[i];
    const body = chunk ? Buffer.from(dataEvent(JSON.stringify({ ...chunk, created: nowSeconds() })), 'utf8') : part;
    if (!(await send(ctx, body))) return;
  }
  finish(ctx);
}

/** The chunk a written part carries, when it has a created to stamp. */
function clockedChunk(part: Uint8Array) {
  const chunk = partObject(part);
  return chunk && typeof chunk.created === 'number' ? chunk : undefined;
}

/**
 * OpenRouter streams usage whether or not include_usage asked for it, after the finish chunk, on a chunk whose choices
 * still holds an empty delta for choice 0. The usage of each generated completion is looked up again when its stream
 * is rendered: the pipeline hands the generate and chunks hooks the same request object.
 */
function createOpenRouterUsage(): Behaviour {
  const generated = new WeakMap<object, Usage>();
  return {
    name: 'openrouter-usage',
    kind: 'variant',
    description:
      'Streams always end with usage (include_usage or not) on a chunk whose choices holds an empty delta for choice 0, after the finish chunk.',
    detectedBy: [],
    observedBy: ['usage.not-requested', 'usage.chunk-empty-choices'],
    generate(completion, request) {
      generated.set(request, { ...completion.usage });
      return completion;
    },
    chunks(chunks, request) {
      const first = chunks[0];
      const usage = generated.get(request);
      if (!first || !usage) return chunks;
      const { id, object, created, model } = first;
      const rider: ChatCompletionChunk = {
        id,
        object,
        created,
        model,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null, logprobs: null }],
        usage,
      };
      return [...chunks.filter((chunk) => !isUsageChunk(chunk)), rider];
    },
  };
}

/** The error object as a server that sends only some of OpenAI's fields writes it; 5xx bodies are left alone. */
const reshapeClientErrors =
  (reshape: (error: ErrorObject, status: number) => Record<string, unknown>) =>
  (reply: ErrorReply): ErrorReply =>
    reply.status >= 400 && reply.status < 500
      ? { ...reply, body: offContract<ErrorResponse>({ error: reshape(reply.body.error, reply.status) }) }
      : reply;

/** Azure OpenAI's first chunk when content filtering is on: the prompt's filter results, no choices, no identity yet. */
const PROMPT_FILTER_PREAMBLE = {
  choices: [],
  created: 0,
  id: '',
  model: '',
  object: '',
  prompt_filter_results: [
    {
      prompt_index: 0,
      content_filter_results: {
        hate: { filtered: false, severity: 'safe' },
        self_harm: { filtered: false, severity: 'safe' },
        sexual: { filtered: false, severity: 'safe' },
        violence: { filtered: false, severity: 'safe' },
      },
    },
  ],
};

/** A word the output filter of the content-filter reading flags ("devil"). */
const FLAGGED_TOKEN = ' Ďábel';

/** A messages[].name whose only departure from 000's characters is a dash, within the documented length. */
const isDashedName = (name: unknown): boolean => typeof name === 'string' && name.includes('-') && /^[A-Za-z0-9_-]{1,64}$/.test(name);

export const readings: readonly Behaviour[] = [
  {
    name: 'created-per-chunk',
    kind: 'variant',
    description:
      'Each stream chunk carries the second it was written in created, over a stream that lasts more than a second; no usage key unless include_usage asks (llama.cpp, Ollama).',
    detectedBy: [],
    observedBy: ['streaming.stable-identity'],
    write: writeClockStamped,
  },
  createOpenRouterUsage(),
  {
    name: 'error-message-code',
    kind: 'variant',
    description: 'Client errors carry {"error":{"message","code":<HTTP status>,"metadata"}}, without type and param (OpenRouter).',
    detectedBy: [],
    observedBy: ['errors.envelope', 'errors.param-named', 'auth.error-envelope'],
    error: reshapeClientErrors((error, status) => ({ message: error.message, code: status, metadata: { provider_name: 'reference' } })),
  },
  {
    name: 'error-no-param',
    kind: 'variant',
    description: 'Client errors carry {"error":{"code":<HTTP status>,"message","type"}}, without param (llama.cpp server).',
    detectedBy: [],
    observedBy: ['errors.envelope', 'errors.param-named', 'auth.error-envelope'],
    error: reshapeClientErrors((error, status) => ({ code: status, message: error.message, type: error.type })),
  },
  {
    name: 'prompt-filter-preamble',
    kind: 'variant',
    description:
      'Streams open with a content-filter chunk: prompt_filter_results, choices [], empty id, object and model, created 0 (Azure OpenAI).',
    detectedBy: [],
    observedBy: ['streaming.chunk-object'],
    chunks: (chunks) => [offContract<ChatCompletionChunk>(PROMPT_FILTER_PREAMBLE), ...chunks],
  },
  {
    name: 'content-filter-finish',
    kind: 'variant',
    description: `An output filter cuts a text answer before the word "${FLAGGED_TOKEN.trim()}" and reports finish_reason "content_filter" (Azure OpenAI, OpenAI).`,
    detectedBy: [],
    observedBy: ['schema.finish-reason-documented'],
    generate(completion) {
      const choices = completion.choices.map((choice) => {
        const at = choice.tokens.indexOf(FLAGGED_TOKEN);
        if (at < 1 || choice.finishReason !== 'stop' || choice.toolCalls?.length) return choice;
        return { ...withTokens(choice, choice.tokens.slice(0, at)), finishReason: 'content_filter' as const };
      });
      return withChoices(completion, choices);
    },
  },
  {
    name: 'tool-call-untyped',
    kind: 'variant',
    description: 'Non-stream tool calls carry no type (003 marks it optional); streamed calls keep it, which the SDK stream helpers need.',
    detectedBy: [],
    observedBy: ['tools.call-shape'],
    response: (body) =>
      mapChoices(body, (choice) => {
        const calls = choice.message.tool_calls;
        return calls?.length
          ? { ...choice, message: { ...choice.message, tool_calls: calls.map(({ type: _type, ...call }) => call) } }
          : choice;
      }),
  },
  {
    name: 'chunk-object-literal',
    kind: 'variant',
    description: 'Stream chunks say object "chat.completion", reading 000\'s "always chat.completion" literally.',
    detectedBy: [],
    observedBy: ['streaming.chunk-object'],
    chunks: (chunks) => chunks.map((chunk) => ({ ...chunk, object: offContract<ChatCompletionChunk['object']>('chat.completion') })),
  },
  {
    name: 'name-dash',
    kind: 'variant',
    description: 'A messages[].name with a dash (otherwise letters, digits and underscores, at most 64) is accepted, as OpenAI accepts it.',
    detectedBy: [],
    observedBy: ['params.invalid-rejected'],
    validate: (request, errors) =>
      errors.filter((reply) => {
        const violation = violationOf(reply);
        const at = violation?.keyword === 'pattern' ? /^\/messages\/(\d+)\/name$/.exec(violation.path) : null;
        const messages = Array.isArray(request.messages) ? request.messages : [];
        const message: unknown = at ? messages[Number(at[1])] : undefined;
        return !(isRecord(message) && isDashedName(message.name));
      }),
  },
];
