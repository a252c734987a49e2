/**
 * Faults in function calling (000_96bde8db4d236014.txt, tools; OpenAI convention for tool_calls):
 * arguments are a JSON string valid against the declared parameters, streamed with an index.
 */
import { isRecord } from '../../core/json.ts';
import type { Behaviour, ChatRequest } from '../behaviour.ts';
import { mapChoices } from '../chunk-editing.ts';
import { withChoices } from '../completion-editing.ts';
import { violating } from '../violating.ts';

function parametersOf(request: ChatRequest, name: string): unknown {
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

function argumentsAsObject(call: unknown): unknown {
  if (!isRecord(call) || !isRecord(call.function) || typeof call.function.arguments !== 'string') return call;
  try {
    return { ...call, function: { ...call.function, arguments: JSON.parse(call.function.arguments) as unknown } };
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
    response(body) {
      if (!Array.isArray(body.choices)) return body;
      const choices = body.choices.map((choice) => {
        if (!isRecord(choice) || !isRecord(choice.message) || !Array.isArray(choice.message.tool_calls)) return choice;
        return { ...choice, message: { ...choice.message, tool_calls: choice.message.tool_calls.map(argumentsAsObject) } };
      });
      return { ...body, choices };
    },
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
    detectedBy: ['tools.stream-deltas'],
    chunks: (chunks) =>
      chunks.map((chunk) =>
        mapChoices(chunk, (choice) => {
          const delta = isRecord(choice.delta) ? choice.delta : undefined;
          if (!delta || !Array.isArray(delta.tool_calls)) return choice;
          const toolCalls = delta.tool_calls.map((call) => {
            if (!isRecord(call)) return call;
            const { index: _index, ...rest } = call;
            return rest;
          });
          return { ...choice, delta: { ...delta, tool_calls: toolCalls } };
        }),
      ),
  },
];
