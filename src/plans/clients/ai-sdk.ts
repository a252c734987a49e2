/**
 * The Vercel AI SDK with its OpenAI-compatible provider, as its users call it, through the `fetch` it is handed: no
 * retries of its own, usage asked for on streams, structured outputs sent as json_schema. Each call reports what the
 * SDK gave its caller, in the SDK's own terms (its finish reasons, its token counts); errors it reports as stream parts
 * count as thrown.
 */
import compatiblePackage from '@ai-sdk/openai-compatible/package.json' with { type: 'json' };
import type { LanguageModelUsage, ModelMessage, ToolSet } from 'ai';
import aiPackage from 'ai/package.json' with { type: 'json' };
import type { RunConfig } from '../../core/run-config.ts';
import type { Ask, ClientDriver, LibraryFetch } from './ask.ts';
import { type CallResult, capture, clientError, plain } from './outcome.ts';

/** The run's client sends the run's key; the SDK's own Authorization header never goes out. */
const NO_KEY = 'set-by-the-run';

/** Loaded on first use: a run without the clients area never pays for them. */
let sdk: Promise<[typeof import('ai'), typeof import('@ai-sdk/openai-compatible')]> | undefined;
const load = () => (sdk ??= Promise.all([import('ai'), import('@ai-sdk/openai-compatible')]));

async function common(fetch: LibraryFetch, config: RunConfig, ask: Ask) {
  const [ai, { createOpenAICompatible }] = await load();
  const provider = createOpenAICompatible({
    name: 'target',
    baseURL: config.target,
    apiKey: NO_KEY,
    fetch,
    includeUsage: true,
    supportsStructuredOutputs: true,
  });
  // System text goes in `system`, where the SDK wants it; it sends it first, as a system message.
  const system = ask.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const messages: ModelMessage[] = ask.messages.filter((m) => m.role !== 'system');
  const modelId = ask.override?.['model'];
  const settings = {
    model: provider.chatModel(typeof modelId === 'string' ? modelId : config.model),
    ...(system.length > 0 ? { system: system.join('\n') } : {}),
    messages,
    maxOutputTokens: ask.maxTokens,
    maxRetries: 0,
    ...tools(ai, ask),
  };
  return { ai, settings };
}

/** The counts the SDK hands its caller (it derives the total itself). */
const tokens = (usage: LanguageModelUsage): Record<string, unknown> => ({
  inputTokens: usage.inputTokens,
  outputTokens: usage.outputTokens,
  totalTokens: usage.totalTokens,
});

function tools(
  ai: typeof import('ai'),
  ask: Ask,
): { tools: ToolSet; toolChoice: { type: 'tool'; toolName: string } } | Record<string, never> {
  if (!ask.tool) return {};
  const { name, description, parameters } = ask.tool;
  return {
    tools: { [name]: ai.tool({ description, inputSchema: ai.jsonSchema(parameters) }) },
    toolChoice: { type: 'tool', toolName: name },
  };
}

export const aiSdkDriver: ClientDriver = {
  library: 'ai-sdk',
  version: `ai ${aiPackage.version}, @ai-sdk/openai-compatible ${compatiblePackage.version}`,
  names: {
    complete: 'generateText',
    assemble: 'streamText',
    parse: 'generateText (output: Output.object)',
    cancel: 'streamText (cancelled with its abortSignal)',
  },

  complete: (fetch, config, ask) =>
    capture(async () => {
      const { ai, settings } = await common(fetch, config, ask);
      const result = await ai.generateText(settings);
      return { content: result.text, finishReason: result.finishReason, usage: tokens(result.usage) };
    }),

  async assemble(fetch, config, ask): Promise<CallResult> {
    const { ai, settings } = await common(fetch, config, ask);
    const result = ai.streamText({ ...settings, onError: () => undefined });
    let content = '';
    const toolCalls: unknown[] = [];
    const view: Record<string, unknown> = {};
    let threw: CallResult['threw'];
    try {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') content += part.text;
        else if (part.type === 'tool-call') toolCalls.push({ name: part.toolName, input: plain(part.input) });
        else if (part.type === 'error') threw ??= clientError(part.error);
        else if (part.type === 'finish') Object.assign(view, { finishReason: part.finishReason, usage: tokens(part.totalUsage) });
      }
    } catch (error) {
      threw ??= clientError(error);
    }
    const returned = { content, toolCalls, ...view };
    return threw ? { returned, threw } : { returned };
  },

  /** `generateText` with `Output.object`: `output` is the parsed object. */
  parse: (fetch, config, ask) =>
    capture(async () => {
      const { ai, settings } = await common(fetch, config, ask);
      const schema = ask.schema ?? { name: 'answer', schema: {} };
      const result = await ai.generateText({
        ...settings,
        output: ai.Output.object({ schema: ai.jsonSchema(schema.schema), name: schema.name }),
      });
      return { parsed: plain(result.output) };
    }),

  async cancel(fetch, config, ask): Promise<CallResult> {
    const { ai, settings } = await common(fetch, config, ask);
    const abort = new AbortController();
    const result = ai.streamText({ ...settings, abortSignal: abort.signal, onError: () => undefined });
    let text = '';
    let cancelled = false;
    let threw: CallResult['threw'];
    try {
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') text += part.text;
        else if (part.type === 'error') threw ??= clientError(part.error);
        if (text !== '' && !cancelled) {
          cancelled = true;
          abort.abort();
        }
      }
    } catch (error) {
      threw ??= clientError(error);
    }
    const returned = { text, cancelled };
    return threw ? { returned, threw } : { returned };
  },
};
