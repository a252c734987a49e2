/**
 * The official `openai` SDK as its users call it, through the `fetch` the run hands it: no retries of its own (the
 * run's client does those, within the budget) and no timer of its own (the run's bounds cut a slow exchange).
 * Each call reports what the SDK gave its caller, in the SDK's own field names.
 */
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { VERSION } from 'openai/version';
import type { RunConfig } from '../../core/run-config.ts';
import type { Ask, ClientDriver, LibraryFetch } from './ask.ts';
import { askBody } from './ask.ts';
import { type CallResult, capture, clientError, plain } from './outcome.ts';

/** The run's client sends the run's key; the SDK's own Authorization header never goes out. */
const NO_KEY = 'set-by-the-run';
/**
 * The run's client bounds every exchange and records why it cut one. The SDK's own timer would also count the time a
 * request waits for a connection slot, and cut answers that arrive in time, so it is set out of the way.
 */
const SDK_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** Loaded on first use: a run without the clients area never pays for it. */
let sdk: Promise<typeof OpenAI> | undefined;

async function client(fetch: LibraryFetch, config: RunConfig): Promise<OpenAI> {
  sdk ??= import('openai').then((module) => module.default);
  const OpenAISdk = await sdk;
  return new OpenAISdk({ baseURL: config.target, apiKey: NO_KEY, fetch, maxRetries: 0, timeout: SDK_TIMEOUT_MS, logLevel: 'off' });
}

const params = (ask: Ask, config: RunConfig): ChatCompletionCreateParamsNonStreaming =>
  askBody(ask, config.model) as unknown as ChatCompletionCreateParamsNonStreaming;

/** What a non-stream call returned: a completion object, or whatever else the SDK made of the body. */
function completionView(completion: unknown): Record<string, unknown> {
  if (typeof completion !== 'object' || completion === null) return { type: typeof completion, value: plain(completion) };
  const { choices, usage } = completion as Partial<OpenAI.ChatCompletion>;
  const choice = Array.isArray(choices) ? choices[0] : undefined;
  return {
    type: 'object',
    content: choice?.message?.content,
    role: choice?.message?.role,
    finishReason: choice?.finish_reason,
    usage: plain(usage),
    toolCalls: (choice?.message?.tool_calls ?? []).map((call) =>
      call.type === 'function' ? { name: call.function.name, arguments: call.function.arguments } : plain(call),
    ),
  };
}

export const openaiDriver: ClientDriver = {
  library: 'openai',
  version: VERSION,
  names: {
    complete: 'chat.completions.create',
    assemble: 'chat.completions.stream',
    parse: 'chat.completions.parse',
    cancel: 'chat.completions.create (stream, cancelled with stream.controller.abort())',
  },

  complete: (fetch, config, ask) =>
    capture(async () => completionView(await (await client(fetch, config)).chat.completions.create(params(ask, config)))),

  /** The SDK's stream helper: it assembles the deltas into the final completion, usage included. */
  async assemble(fetch, config, ask): Promise<CallResult> {
    let chunks = 0;
    try {
      const runner = (await client(fetch, config)).chat.completions.stream({ ...params(ask, config), stream: true });
      for await (const _chunk of runner) chunks += 1;
      return { returned: { ...completionView(await runner.finalChatCompletion()), chunks } };
    } catch (error) {
      return { returned: { chunks }, threw: clientError(error) };
    }
  },

  /** `chat.completions.parse`, the SDK's structured-output helper: `message.parsed` is the object. */
  parse: (fetch, config, ask) =>
    capture(async () => {
      const completion = await (await client(fetch, config)).chat.completions.parse(params(ask, config));
      return { parsed: plain(completion.choices[0]?.message.parsed) };
    }),

  /** Reads the stream until the first content delta, then cancels it the documented way (`stream.controller.abort()`). */
  async cancel(fetch, config, ask): Promise<CallResult> {
    let text = '';
    let cancelled = false;
    try {
      const stream = await (await client(fetch, config)).chat.completions.create({ ...params(ask, config), stream: true });
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text !== '' && !cancelled) {
          cancelled = true;
          stream.controller.abort();
        }
      }
      return { returned: { text, cancelled } };
    } catch (error) {
      return { returned: { text, cancelled }, threw: clientError(error) };
    }
  },
};
