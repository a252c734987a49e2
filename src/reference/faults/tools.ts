/**
 * Faults in function calling (000_96bde8db4d236014.txt, tools; OpenAI convention for tool_calls):
 * arguments are a JSON string valid against the declared parameters, streamed with an index.
 */
import type { ChatCompletionRequest, FinishReason, ToolCall, ToolCallDelta } from '../../contract/types.ts';
import { isRecord } from '../../core/json.ts';
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour, GeneratedChoice } from '../behaviour.ts';
import { regenerate, withChoices, withoutField } from '../completion-editing.ts';
import { offContract } from '../off-contract.ts';
import { violating } from '../violating.ts';

function parametersOf(request: ChatCompletionRequest, name: string): unknown {
  const tools = Array.isArray(request.tools) ? request.tools : [];
  for (const tool of tools) {
    if (isRecord(tool) && isRecord(tool.function) && tool.function.name === name) return tool.function.parameters;
  }
  return undefined;
}

/** Arguments that break the declared schema; unparseable JSON when the schema accepts anything. */
function brokenArguments(args: string, parameters: unknown): string {
  try {
    const broken = violating(JSON.parse(args), parameters);
    if (broken !== undefined) return JSON.stringify(broken);
  } catch {
    // Already not JSON: that breaks the rule as it is.
    return args;
  }
  return args.endsWith('}') ? args.slice(0, -1) : `${args}}`;
}

function argumentsAsObject<T extends Pick<ToolCall, 'function'>>(call: T): T {
  try {
    return { ...call, function: { ...call.function, arguments: offContract<string>(JSON.parse(call.function.arguments)) } };
  } catch {
    return call;
  }
}

/** tool_choice "required" or a named function: the request forces a call. */
function forcesCall(request: ChatCompletionRequest): boolean {
  const choice = request.tool_choice;
  return choice === 'required' || (isRecord(choice) && isRecord(choice.function));
}

const offersTools = (request: ChatCompletionRequest): boolean => Array.isArray(request.tools) && request.tools.length > 0;

/** Tool calls end "tool_calls" in the OpenAI convention; this server says so whenever tools were offered. */
const TOOL_CALLS = 'tool_calls' satisfies FinishReason;

export const toolsFaults: readonly Behaviour[] = [
  {
    name: 'tool-args-object',
    kind: 'fault',
    description: 'Non-stream tool-call arguments are a JSON object instead of a JSON string.',
    detectedBy: ['tools.call-shape'],
    response: (body) =>
      mapChoices(body, (choice) => {
        const toolCalls = choice.message.tool_calls;
        return toolCalls ? { ...choice, message: { ...choice.message, tool_calls: toolCalls.map(argumentsAsObject) } } : choice;
      }),
  },
  {
    name: 'tool-args-invalid',
    kind: 'fault',
    description: 'Tool-call arguments are JSON that breaks the declared parameters schema.',
    detectedBy: ['tools.arguments-valid'],
    generate(completion, request) {
      const choices = completion.choices.map((choice) =>
        choice.toolCalls
          ? {
              ...choice,
              toolCalls: choice.toolCalls.map((call) => ({
                ...call,
                arguments: brokenArguments(call.arguments, parametersOf(request, call.name)),
              })),
            }
          : choice,
      );
      return withChoices(completion, choices);
    },
  },
  {
    name: 'tool-delta-no-index',
    kind: 'fault',
    description: 'Streamed tool-call deltas lack their index.',
    detectedBy: ['tools.stream-deltas', 'clients.tool-call-assembly'],
    chunks: (chunks) =>
      chunks.map((chunk) =>
        mapChoices(chunk, (choice) => {
          const toolCalls = choice.delta.tool_calls;
          if (!toolCalls) return choice;
          const unindexed = toolCalls.map(({ index: _index, ...rest }) => offContract<ToolCallDelta>(rest));
          return { ...choice, delta: { ...choice.delta, tool_calls: unindexed } };
        }),
      ),
  },
  {
    name: 'forced-call-ignored',
    kind: 'fault',
    description: 'tool_choice "required" or a named function is treated as "auto" by a model that answers in text, ending "stop".',
    detectedBy: ['tools.choice-honoured'],
    generate(completion, request) {
      if (!forcesCall(request)) return completion;
      // The model saw no tools to call; the prompt, tools included, is still what was counted.
      const inText = regenerate(completion, withoutField(withoutField(request, 'tool_choice'), 'tools'));
      return withChoices(completion, inText.choices);
    },
  },
  {
    name: 'tool-calls-without-call',
    kind: 'fault',
    description: 'When the request offered tools, a text answer (no call) reports finish_reason "tool_calls" instead of "stop".',
    detectedBy: ['tools.finish-reason-consistent', 'schema.finish-reason-documented'],
    generate(completion, request) {
      if (!offersTools(request)) return completion;
      const inText = (choice: GeneratedChoice) => choice.finishReason === 'stop' && !choice.toolCalls?.length;
      return { ...completion, choices: completion.choices.map((c) => (inText(c) ? { ...c, finishReason: TOOL_CALLS } : c)) };
    },
  },
];
