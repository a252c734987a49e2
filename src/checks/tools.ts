/**
 * Function calling: tools "模型可以调用的工具列表…模型可以为其生成 JSON 输入的函数列表" (000); the ToolCall shape
 * (id, type "function", function.name, function.arguments as a string) is 003's; streamed deltas follow the
 * OpenAI convention (an integer `index` per call, `arguments` fragments that concatenate).
 */
import { compileUserSchema } from '../contract/validators.ts';
import { type Answer, answerFor, type AnswerToolCall, chunksOf, rejected } from './answers.ts';
import { isSuccess, statusOf } from './guards.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';
import { asArray, dig, excerpt, isInteger } from '../core/json.ts';
import type { Observation, Outcome } from '../core/evidence.ts';

/** Names of the tools a request declared. */
function declaredToolNames(sent: Record<string, unknown> | undefined): string[] {
  return asArray(sent?.['tools'])
    .map((tool) => dig(tool, 'function', 'name'))
    .filter((name): name is string => typeof name === 'string');
}

const declaresTools = (observation: Observation): boolean => declaredToolNames(observation.sent).length > 0;

const NOT_ANSWERED = skip('not answered (judged by tools.call-shape)');

/** The answer to a request with tools, or the outcomes that replace judging it. */
const toolAnswer = (observation: Observation, judgeRejection: boolean): Answer | Outcome[] =>
  answerFor(observation, 'tools', judgeRejection ? rejected(observation, 'a request with tools') : NOT_ANSWERED);

const NO_CALL = skip('the model answered without calling a tool, so there is no call to judge');

const callsOf = (answer: Answer): AnswerToolCall[] => answer.choices.flatMap((c) => c.toolCalls);

const callShape = defineCheck({
  id: 'tools.call-shape',
  area: 'tools',
  severity: 'high',
  rule: 'tool_calls entries carry an id, type "function", a declared function.name, and function.arguments as a string',
  source: '003_f82a578225befbf7.txt',
  run(evidence) {
    if (evidence.kind !== 'observation' || !declaresTools(evidence)) return [];
    const answer = toolAnswer(evidence, true);
    if (!('choices' in answer)) return answer;
    const calls = callsOf(answer);
    if (calls.length === 0) return [NO_CALL];
    const declared = declaredToolNames(evidence.sent);
    const outcomes = new Map<string, Outcome>();
    const note = (key: string, received: string, documented: string, path: string) => {
      if (!outcomes.has(key)) outcomes.set(key, fail(key, receivedDocumented(received, documented), { path }));
    };
    for (const call of calls) {
      if (typeof call.id !== 'string' || call.id === '') note('id', `id = ${excerpt(call.id ?? null)}`, 'a non-empty string id', `${call.path}/id`);
      if (call.type !== 'function') note('type', `type = ${excerpt(call.type ?? null)}`, 'type "function"', `${call.path}/type`);
      if (typeof call.name !== 'string' || !declared.includes(call.name)) {
        note('name', `function.name = ${excerpt(call.name ?? null)}`, `one of the declared tools: ${declared.join(', ')}`, `${call.path}/function/name`);
      }
      if (typeof call.arguments !== 'string') {
        note(
          'arguments-type',
          `function.arguments = ${excerpt(call.arguments ?? null, 60)} (${call.arguments === null ? 'null' : typeof call.arguments})`,
          'a string holding JSON text',
          `${call.path}/function/arguments`,
        );
      }
    }
    return outcomes.size ? [...outcomes.values()] : [pass];
  },
});

/** The declared `parameters` schema of a tool, when it has one. */
function parametersOf(sent: Record<string, unknown> | undefined, name: unknown): unknown {
  const tool = asArray(sent?.['tools']).find((t) => dig(t, 'function', 'name') === name);
  return dig(tool, 'function', 'parameters');
}

/** Arguments as a value: parsed from a string, or taken as-is when the target sent an object (tools.call-shape judges that). */
function argumentsValue(call: AnswerToolCall): { ok: true; value: unknown } | { ok: false; error: string } {
  if (typeof call.arguments !== 'string') return { ok: true, value: call.arguments };
  try {
    return { ok: true, value: JSON.parse(call.arguments) as unknown };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const argumentsValid = defineCheck({
  id: 'tools.arguments-valid',
  area: 'tools',
  severity: 'high',
  rule: 'function.arguments parse as JSON and validate against the declared parameters JSON Schema',
  source: '000_96bde8db4d236014.txt',
  run(evidence) {
    // Streamed arguments are judged after concatenation by tools.stream-deltas.
    if (evidence.kind !== 'observation' || !declaresTools(evidence) || evidence.stream) return [];
    const answer = toolAnswer(evidence, false);
    if (!('choices' in answer)) return answer;
    const calls = callsOf(answer);
    if (calls.length === 0) return [NO_CALL];
    const outcomes: Outcome[] = [];
    for (const call of calls) {
      const path = `${call.path}/function/arguments`;
      const parsed = argumentsValue(call);
      if (!parsed.ok) {
        outcomes.push(
          fail('not-json', receivedDocumented(`arguments ${excerpt(call.arguments, 80)} (${parsed.error})`, 'a JSON text'), { path }),
        );
        continue;
      }
      const schema = parametersOf(evidence.sent, call.name);
      if (schema === undefined || schema === null) continue;
      const compiled = compileUserSchema(schema);
      if (!compiled.ok) continue;
      const validation = compiled.validate(parsed.value);
      if (!validation.ok) {
        const first = validation.violations[0];
        outcomes.push(
          fail(
            'schema',
            receivedDocumented(
              `arguments ${excerpt(parsed.value, 80)}: ${first?.message ?? 'invalid'}`,
              `valid against the parameters schema of ${String(call.name)}${first ? ` (${first.documented})` : ''}`,
            ),
            { path: `${path}${first?.path ?? ''}` },
          ),
        );
      }
    }
    return outcomes.length ? outcomes : [pass];
  },
});

interface DeltaFragment {
  choice: number;
  index: unknown;
  arguments: unknown;
  path: string;
}

/** Every `delta.tool_calls[]` element of a stream, in arrival order. */
function toolDeltas(observation: Observation): DeltaFragment[] {
  const fragments: DeltaFragment[] = [];
  for (const chunk of chunksOf(observation)) {
    asArray(dig(chunk.value, 'choices')).forEach((choice, c) => {
      const rawIndex = dig(choice, 'index');
      asArray(dig(choice, 'delta', 'tool_calls')).forEach((call, i) => {
        fragments.push({
          choice: isInteger(rawIndex) ? rawIndex : c,
          index: dig(call, 'index'),
          arguments: dig(call, 'function', 'arguments'),
          path: `/choices/${c}/delta/tool_calls/${i} (chunk ${chunk.position})`,
        });
      });
    });
  }
  return fragments;
}

const streamDeltas = defineCheck({
  id: 'tools.stream-deltas',
  area: 'tools',
  severity: 'high',
  rule: 'streamed tool-call deltas carry an integer index, and the arguments fragments of each index concatenate to valid JSON',
  source: 'OpenAI convention (assumed)',
  run(evidence) {
    if (evidence.kind !== 'observation' || !declaresTools(evidence) || !evidence.stream) return [];
    if (!isSuccess(statusOf(evidence))) return [NOT_ANSWERED];
    const fragments = toolDeltas(evidence);
    if (fragments.length === 0) return [NO_CALL];
    const outcomes: Outcome[] = [];
    const missing = fragments.find((f) => !isInteger(f.index) || f.index < 0);
    if (missing) {
      outcomes.push(
        fail('index', receivedDocumented(`tool_calls delta with index = ${excerpt(missing.index ?? null)}`, 'an integer index ≥ 0 on every tool-call delta'), {
          path: `${missing.path}/index`,
        }),
      );
      return outcomes;
    }
    const joined = new Map<string, { text: string; path: string; broken?: DeltaFragment }>();
    for (const f of fragments) {
      const key = `${f.choice}:${String(f.index)}`;
      const entry = joined.get(key) ?? { text: '', path: f.path };
      if (typeof f.arguments === 'string') entry.text += f.arguments;
      else if (f.arguments !== undefined && f.arguments !== null) entry.broken ??= f;
      joined.set(key, entry);
    }
    for (const [key, entry] of joined) {
      if (entry.broken) {
        outcomes.push(
          fail('fragment-type', receivedDocumented(`arguments fragment ${excerpt(entry.broken.arguments, 60)}`, 'string fragments of a JSON text'), {
            path: `${entry.broken.path}/function/arguments`,
          }),
        );
        continue;
      }
      try {
        JSON.parse(entry.text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        outcomes.push(
          fail('not-json', receivedDocumented(`call ${key} arguments concatenate to ${excerpt(entry.text, 80)} (${reason})`, 'a JSON text'), {
            path: entry.path,
          }),
        );
      }
    }
    return outcomes.length ? outcomes : [pass];
  },
});

export const toolsChecks = [callShape, argumentsValid, streamDeltas] as const;
