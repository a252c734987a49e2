/**
 * Faults in function calling (000_96bde8db4d236014.txt, tools; OpenAI convention for tool_calls):
 * arguments are a JSON string valid against the declared parameters, streamed with an index.
 */
import type { ChatCompletionRequest, ToolCall, ToolCallDelta } from '../../contract/types.ts';
import { isRecord } from '../../core/json.ts';
import { mapChoices } from '../answer-editing.ts';
import type { Behaviour } from '../behaviour.ts';
import { withChoices } from '../completion-editing.ts';
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
          ? { ...choice, toolCalls: choice.toolCalls.map((call) => ({ ...call, arguments: brokenArguments(call.arguments, parametersOf(request, call.name)) })) }
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
];
