/**
 * Turns a generated completion into the documented wire shapes: the non-stream `chat.completion`
 * object, or the `chat.completion.chunk` list of a stream and its data-only SSE events
 * (000_96bde8db4d236014.txt). Pure: no I/O, no clock.
 */
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChunkChoice,
  Delta,
  ResponseMessage,
  TokenLogprob,
} from '../contract/types.ts';
import type { Completion, GeneratedChoice, SseEventText } from './behaviour.ts';
import { wantsUsage } from './request-options.ts';
import { DONE_EVENT, dataEvent } from './sse-events.ts';
import { tokenize } from './vocabulary.ts';

export function renderResponse(completion: Completion): ChatCompletion {
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: completion.choices.map((choice) => ({
      index: choice.index,
      message: renderMessage(choice),
      logprobs: choice.logprobs ? { content: choice.logprobs.map(renderLogprob) } : null,
      finish_reason: choice.finishReason,
    })),
    usage: { ...completion.usage },
  };
}

function renderMessage(choice: GeneratedChoice): ResponseMessage {
  const message: ResponseMessage = { role: 'assistant', content: hasToolCalls(choice) ? null : choice.tokens.join('') };
  if (choice.reasoningTokens) message.reasoning_content = choice.reasoningTokens.join('');
  if (hasToolCalls(choice)) {
    message.tool_calls = (choice.toolCalls ?? []).map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return message;
}

function renderLogprob(entry: NonNullable<GeneratedChoice['logprobs']>[number]): TokenLogprob {
  return {
    token: entry.token,
    logprob: entry.logprob,
    bytes: utf8Bytes(entry.token),
    top_logprobs: entry.top.map((alt) => ({ token: alt.token, logprob: alt.logprob, bytes: utf8Bytes(alt.token) })),
  };
}

/**
 * The chunk list of a stream: per choice a role delta, reasoning deltas, one delta per content token
 * (or tool-call deltas), then exactly one finish chunk; choices interleaved round-robin. With
 * stream_options.include_usage every chunk carries `usage: null` and one last chunk with `choices: []`
 * carries the request's usage; without it no chunk has a usage key.
 */
export function renderChunks(completion: Completion, request: ChatCompletionRequest): ChatCompletionChunk[] {
  const includeUsage = wantsUsage(request);
  const envelope = (choices: ChunkChoice[]): ChatCompletionChunk => {
    const chunk: ChatCompletionChunk = {
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices,
    };
    if (includeUsage) chunk.usage = null;
    return chunk;
  };
  const perChoice = completion.choices.map(choiceDeltas);
  const chunks: ChatCompletionChunk[] = [];
  const rounds = Math.max(0, ...perChoice.map((list) => list.length));
  for (let round = 0; round < rounds; round += 1) {
    for (const list of perChoice) {
      const choice = list[round];
      if (choice) chunks.push(envelope([choice]));
    }
  }
  if (includeUsage) chunks.push({ ...envelope([]), usage: { ...completion.usage } });
  return chunks;
}

function choiceDeltas(choice: GeneratedChoice): ChunkChoice[] {
  const part = (delta: Delta, logprobs: ChunkChoice['logprobs'] = null, finish: ChunkChoice['finish_reason'] = null): ChunkChoice => ({
    index: choice.index,
    delta,
    logprobs,
    finish_reason: finish,
  });
  const tools = hasToolCalls(choice);
  const deltas: ChunkChoice[] = [part({ role: 'assistant', content: tools ? null : '' })];
  for (const token of choice.reasoningTokens ?? []) deltas.push(part({ reasoning_content: token }));
  choice.tokens.forEach((token, i) => {
    const entry = choice.logprobs?.[i];
    deltas.push(part({ content: token }, entry ? { content: [renderLogprob(entry)] } : null));
  });
  (choice.toolCalls ?? []).forEach((call, index) => {
    deltas.push(part({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
    for (const fragment of tokenize(call.arguments)) {
      deltas.push(part({ tool_calls: [{ index, function: { arguments: fragment } }] }));
    }
  });
  deltas.push(part({}, null, choice.finishReason));
  return deltas;
}

/** Data-only SSE events, one line of JSON each, ending with `data: [DONE]`. */
export function serializeEvents(chunks: ChatCompletionChunk[]): SseEventText[] {
  return [...chunks.map((chunk) => dataEvent(JSON.stringify(chunk))), DONE_EVENT];
}

export function encodeParts(texts: string[]): Uint8Array[] {
  return texts.map((text) => Buffer.from(text, 'utf8'));
}

function hasToolCalls(choice: GeneratedChoice): boolean {
  return (choice.toolCalls?.length ?? 0) > 0;
}

function utf8Bytes(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}
