/**
 * The reference provider's "model": a pure function from (server seed, request) to a completion, so a
 * streamed and a non-streamed request get identical content and usage. It imitates just enough
 * instruction following for the conformance probes (counting, verbatim repetition, tool calls, JSON
 * output, reasoning).
 */
import type { ChatCompletionRequest } from '../contract/types.ts';
import { isRecord } from '../core/json.ts';
import type { Completion, GeneratedChoice } from './behaviour.ts';
import { instanceOf } from './json-instance.ts';
import { reasoningMode } from './models.ts';
import { canonicalJson, createRandom, hashHex, hashToSeed, type Random } from './random.ts';
import { stopSequences } from './request-options.ts';
import { ALL_TOKENS, MIDDLES, OPENERS, REASONING_MIDDLES, REASONING_OPENERS, TERMINALS, tokenize } from './vocabulary.ts';

export interface GenerationContext {
  serverSeed: number;
  /** Unix seconds, stamped on the completion. */
  created: number;
  /** Distinguishes the ids of two responses to the same request. */
  sequence: number;
}

/** Longest natural answer for the instruction imitations, so a prompt cannot ask for unbounded work. */
const MAX_NATURAL_TOKENS = 2000;
const MAX_COUNT_NUMBERS = 500;
const MAX_CHOICES = 128;

export function generate(request: ChatCompletionRequest, context: GenerationContext): Completion {
  const fingerprint = requestFingerprint(request, context.serverSeed);
  const root = createRandom(hashToSeed(fingerprint));
  const budget = tokenBudget(request);
  const choices: GeneratedChoice[] = [];
  for (let index = 0; index < choiceCount(request); index += 1) {
    choices.push(generateChoice(request, index, root.fork(`choice${index}`), budget, fingerprint));
  }
  const promptTokens = countPromptTokens(request);
  const completionTokens = choices.reduce((sum, choice) => sum + choiceTokenCount(choice), 0);
  return {
    id: `chatcmpl-${hashHex(`${fingerprint}|${context.sequence}`, 24)}`,
    created: context.created,
    model: typeof request.model === 'string' ? request.model : String(request.model),
    choices,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/**
 * What sampling depends on: the server seed and the body, minus the fields that only cut or annotate
 * the output. So a streamed answer equals the non-stream one, and an answer cut by max_tokens or a stop
 * sequence is a prefix of the uncut one, as with a real model at a fixed seed.
 */
function requestFingerprint(request: ChatCompletionRequest, serverSeed: number): string {
  const sampled = Object.fromEntries(Object.entries(request).filter(([key]) => !NOT_SAMPLED.has(key)));
  return `${serverSeed}|${canonicalJson(sampled)}`;
}

const NOT_SAMPLED = new Set(['stream', 'stream_options', 'max_tokens', 'max_completion_tokens', 'stop', 'logprobs', 'top_logprobs']);

/** Tokens a choice consumed: reasoning, content and tool-call arguments alike. */
export function choiceTokenCount(choice: GeneratedChoice): number {
  const argumentTokens = (choice.toolCalls ?? []).reduce((sum, call) => sum + tokenize(call.arguments).length, 0);
  return (choice.reasoningTokens?.length ?? 0) + choice.tokens.length + argumentTokens;
}

function generateChoice(
  request: ChatCompletionRequest,
  index: number,
  random: Random,
  budget: number,
  fingerprint: string,
): GeneratedChoice {
  let remaining = budget;
  const mode = reasoningMode(request);
  const reasoning = mode === 'none' ? [] : reasoningText(random.fork('reasoning'));

  const choice: GeneratedChoice = { index, tokens: [], finishReason: 'stop' };
  if (mode === 'separate') {
    choice.reasoningTokens = reasoning.slice(0, remaining);
    remaining -= choice.reasoningTokens.length;
    if (choice.reasoningTokens.length < reasoning.length) return withLogprobs({ ...choice, finishReason: 'length' }, request, random);
  }

  const tool = chosenTool(request);
  if (tool) {
    const args = tokenize(toolArguments(tool.parameters, random.fork('arguments')));
    const kept = args.slice(0, Math.max(0, remaining));
    choice.toolCalls = [{ id: `call_${hashHex(`${fingerprint}|${index}|tool`, 24)}`, name: tool.name, arguments: kept.join('') }];
    if (kept.length < args.length) choice.finishReason = 'length';
    // The documents list only stop and length (000_96bde8db4d236014.txt), so a tool call ends with "stop".
    return choice;
  }

  const answer = answerTokens(request, random.fork('answer'));
  // JSON output must stay parseable, so inline reasoning is left out of it.
  const inline = mode === 'inline' && responseFormat(request).type === 'text';
  const content = inline ? ['<think>', ...reasoning, '</think>', '\n\n', ...answer] : answer;
  const tokens = cutAtStop(content, stopSequences(request));
  choice.tokens = tokens.slice(0, Math.max(0, remaining));
  if (choice.tokens.length < tokens.length) choice.finishReason = 'length';
  return withLogprobs(choice, request, random);
}

function withLogprobs(choice: GeneratedChoice, request: ChatCompletionRequest, random: Random): GeneratedChoice {
  if (request.logprobs !== true) return choice;
  const count = typeof request.top_logprobs === 'number' ? Math.max(0, Math.min(20, Math.floor(request.top_logprobs))) : 0;
  const lp = random.fork('logprobs');
  choice.logprobs = choice.tokens.map((token) => tokenLogprob(token, count, lp));
  return choice;
}

/** A logprob ≤ 0 for the token and `count` alternatives in descending order, the token itself first. */
function tokenLogprob(token: string, count: number, random: Random): NonNullable<GeneratedChoice['logprobs']>[number] {
  const logprob = round(-random.next() * 2.5);
  const top: Array<{ token: string; logprob: number }> = [];
  if (count > 0) top.push({ token, logprob });
  const pool = ALL_TOKENS.filter((candidate) => candidate !== token);
  let previous = logprob;
  while (top.length < count && pool.length > 0) {
    const [alternative] = pool.splice(random.below(pool.length), 1);
    previous = round(previous - 0.1 - random.next() * 1.5);
    top.push({ token: alternative as string, logprob: previous });
  }
  return { token, logprob, top };
}

function answerTokens(request: ChatCompletionRequest, random: Random): string[] {
  const format = responseFormat(request);
  if (format.type === 'json_schema') return tokenize(JSON.stringify(instanceOf(format.schema, random)) ?? 'null');
  if (format.type === 'json_object') return tokenize(JSON.stringify(jsonObjectAnswer(random)));
  const instruction = lastUserInstruction(request);
  if (instruction) return instruction;
  return sentence(random, OPENERS, MIDDLES, TERMINALS, random.between(8, 30));
}

/** The newest user message that asks to count or to repeat; undefined when none does. */
function lastUserInstruction(request: ChatCompletionRequest): string[] | undefined {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (!isRecord(message) || message.role !== 'user') continue;
    const text = messageText(message.content);
    // Bounded digit runs: BigInt parsing of a megabyte of digits would stall the server.
    const count = /count from (\d{1,30}) to (\d{1,30})\b/i.exec(text);
    if (count) return tokenize(countingText(BigInt(count[1] as string), BigInt(count[2] as string))).slice(0, MAX_NATURAL_TOKENS);
    const repeat = /repeat exactly:\s*(.+)/is.exec(text);
    if (repeat) return tokenize(repeat[1] as string).slice(0, MAX_NATURAL_TOKENS);
  }
  return undefined;
}

function countingText(from: bigint, to: bigint): string {
  const step = from <= to ? 1n : -1n;
  const numbers: string[] = [];
  for (let value = from; numbers.length < MAX_COUNT_NUMBERS; value += step) {
    numbers.push(value.toString());
    if (value === to) break;
  }
  return numbers.join(', ');
}

function reasoningText(random: Random): string[] {
  return sentence(random, REASONING_OPENERS, REASONING_MIDDLES, ['.'], random.between(6, 16));
}

function sentence(
  random: Random,
  openers: readonly string[],
  middles: readonly string[],
  ends: readonly string[],
  length: number,
): string[] {
  const tokens = [random.pick(openers)];
  while (tokens.length < length - 1) tokens.push(random.pick(middles));
  tokens.push(random.pick(ends));
  return tokens;
}

function jsonObjectAnswer(random: Random): Record<string, unknown> {
  return {
    answer: sentence(random, OPENERS, MIDDLES, TERMINALS, random.between(4, 10)).join(''),
    confidence: round(random.next()),
    tags: ['reference', random.pick(['数据', 'café', '🚀', 'river'])],
  };
}

function toolArguments(parameters: unknown, random: Random): string {
  if (parameters === undefined || parameters === null) return '{}';
  return JSON.stringify(instanceOf(parameters, random)) ?? '{}';
}

/**
 * Output ends at the first stop sequence to complete, and the stop text is part of the output
 * ("返回的文本将包含停止序列", 000_96bde8db4d236014.txt). Matching is on the text, so a stop sequence
 * spanning several tokens works; the token it ends inside is cut there.
 */
function cutAtStop(tokens: string[], stops: string[]): string[] {
  const text = tokens.join('');
  let end = Infinity;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0) end = Math.min(end, at + stop.length);
  }
  if (end === Infinity) return tokens;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end += 1;
  const kept: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    if (offset >= end) break;
    kept.push(offset + token.length <= end ? token : token.slice(0, end - offset));
    offset += token.length;
  }
  return kept;
}

/** Tool to call: none when tool_choice is "none"; the named function; otherwise the first function. */
function chosenTool(request: ChatCompletionRequest): { name: string; parameters: unknown } | undefined {
  if (!Array.isArray(request.tools) || request.tool_choice === 'none') return undefined;
  const functions = request.tools.flatMap((tool) =>
    isRecord(tool) && isRecord(tool.function) && typeof tool.function.name === 'string' ? [tool.function] : [],
  );
  const choice = request.tool_choice;
  const wanted = isRecord(choice) && isRecord(choice.function) ? choice.function.name : undefined;
  const fn = functions.find((f) => f.name === wanted) ?? functions[0];
  return fn ? { name: fn.name, parameters: fn.parameters } : undefined;
}

function responseFormat(request: ChatCompletionRequest): { type: 'text' | 'json_object' | 'json_schema'; schema?: unknown } {
  const format = request.response_format;
  if (!isRecord(format)) return { type: 'text' };
  if (format.type === 'json_schema') {
    const spec = format.json_schema;
    if (isRecord(spec) && isRecord(spec.schema)) return { type: 'json_schema', schema: spec.schema };
    return { type: 'json_object' };
  }
  if (format.type !== 'json_object') return { type: 'text' };
  // JSON mode may carry its schema directly: {"type": "json_object", "schema": {...}} (002_911505efb3194a71.txt).
  return isRecord(format.schema) ? { type: 'json_schema', schema: format.schema } : { type: 'json_object' };
}

/** max_tokens and max_completion_tokens bound the same thing; when both are given the smaller wins. */
function tokenBudget(request: ChatCompletionRequest): number {
  const limits = [request.max_tokens, request.max_completion_tokens]
    .filter((v): v is number => typeof v === 'number' && !Number.isNaN(v))
    .map((v) => Math.max(0, Math.floor(v)));
  return limits.length > 0 ? Math.min(...limits) : Infinity;
}

function choiceCount(request: ChatCompletionRequest): number {
  const n = request.n;
  return typeof n === 'number' && Number.isFinite(n) ? Math.max(1, Math.min(MAX_CHOICES, Math.floor(n))) : 1;
}

/** A fixed per-message overhead plus the tokens of every text, as chat tokenizers count. */
function countPromptTokens(request: ChatCompletionRequest): number {
  const messages = Array.isArray(request.messages) ? request.messages : [];
  let total = 3;
  for (const message of messages) {
    total += 4;
    if (!isRecord(message)) continue;
    if (typeof message.name === 'string') total += tokenize(message.name).length;
    total += contentTokens(message.content);
  }
  if (Array.isArray(request.tools)) total += tokenize(JSON.stringify(request.tools)).length;
  return total;
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return tokenize(content).length;
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) {
    if (isRecord(part) && typeof part.text === 'string') total += tokenize(part.text).length;
    else if (isRecord(part) && (part.type === 'image_url' || part.type === 'video_url')) total += 85;
    else total += tokenize(JSON.stringify(part) ?? '').length;
  }
  return total;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .filter((text) => text !== '')
    .join('\n');
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6 || 0;
}
