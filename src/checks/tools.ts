/**
 * Function calling: tools "模型可以调用的工具列表…模型可以为其生成 JSON 输入的函数列表" (000); the ToolCall shape
 * (id, type "function", function.name, function.arguments as a string) is 003's; streamed deltas follow the
 * OpenAI convention (an integer `index` per call, `arguments` fragments that concatenate).
 */
import { compileUserSchema } from '../contract/validators.ts';
import type { Observation, Outcome } from '../core/evidence.ts';
import { asArray, dig, excerpt, isInteger } from '../core/json.ts';
import { type Answer, type AnswerChoice, type AnswerToolCall, answerFor, answerOf, chunksOf, rejected } from './answers.ts';
import { incompleteReason, isSuccess, statusOf } from './guards.ts';
import { collapse, deviation, fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

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
    const note = (key: string, received: string, documented: string, path: string, conflict?: string) => {
      if (!outcomes.has(key))
        outcomes.set(key, fail(key, receivedDocumented(received, documented), { path, ...(conflict ? { conflict } : {}) }));
    };
    for (const call of calls) {
      if (typeof call.id !== 'string' || call.id === '')
        note('id', `id = ${excerpt(call.id ?? null)}`, 'a non-empty string id', `${call.path}/id`);
      // 003 marks type optional: a call without it follows that reading.
      if (call.type === undefined) note('type-absent', 'no type', 'type "function"', `${call.path}/type`, 'required-flags-003');
      else if (call.type !== 'function') note('type', `type = ${excerpt(call.type)}`, 'type "function"', `${call.path}/type`);
      if (typeof call.name !== 'string' || !declared.includes(call.name)) {
        note(
          'name',
          `function.name = ${excerpt(call.name ?? null)}`,
          `one of the declared tools: ${declared.join(', ')}`,
          `${call.path}/function/name`,
        );
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

/** The declared function of a tool, when the request declared one of that name. */
const functionOf = (sent: Record<string, unknown> | undefined, name: unknown): unknown =>
  dig(
    asArray(sent?.['tools']).find((t) => dig(t, 'function', 'name') === name),
    'function',
  );

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
  rule: 'function.arguments parse as JSON and follow the declared parameters schema ("严格遵循": a failure with strict: true, else a warning)',
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
      const declared = functionOf(evidence.sent, call.name);
      const schema = dig(declared, 'parameters');
      if (schema === undefined || schema === null) continue;
      const compiled = compileUserSchema(schema);
      if (!compiled.ok) continue;
      const validation = compiled.validate(parsed.value);
      if (validation.ok) continue;
      const first = validation.violations[0];
      // Without strict the schema guides generation but is not promised: a break is unusual, not wrong.
      const strict = dig(declared, 'strict') === true;
      const received = `arguments ${excerpt(parsed.value, 80)}: ${first?.message ?? 'invalid'}`;
      const documented = `valid against the parameters schema of ${String(call.name)}${first ? ` (${first.documented})` : ''}${strict ? ', sent with strict: true' : ''}`;
      outcomes.push(
        deviation(strict ? 'fail' : 'warn', strict ? 'schema' : 'schema-not-strict', received, documented, {
          path: `${path}${first?.path ?? ''}`,
        }),
      );
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
        fail(
          'index',
          receivedDocumented(
            `tool_calls delta with index = ${excerpt(missing.index ?? null)}`,
            'an integer index ≥ 0 on every tool-call delta',
          ),
          {
            path: `${missing.path}/index`,
          },
        ),
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
          fail(
            'fragment-type',
            receivedDocumented(`arguments fragment ${excerpt(entry.broken.arguments, 60)}`, 'string fragments of a JSON text'),
            {
              path: `${entry.broken.path}/function/arguments`,
            },
          ),
        );
        continue;
      }
      try {
        JSON.parse(entry.text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        outcomes.push(
          fail(
            'not-json',
            receivedDocumented(`call ${key} arguments concatenate to ${excerpt(entry.text, 80)} (${reason})`, 'a JSON text'),
            {
              path: entry.path,
            },
          ),
        );
      }
    }
    return outcomes.length ? outcomes : [pass];
  },
});

/** The function a request forces: a name for a named tool_choice, '' for "required", undefined when nothing is forced. */
function forcedFunction(sent: Record<string, unknown> | undefined): string | undefined {
  const choice = sent?.['tool_choice'];
  if (choice === 'required') return '';
  const name = dig(choice, 'function', 'name');
  return typeof name === 'string' ? name : undefined;
}

function honouredOutcome(choice: AnswerChoice, forced: string): Outcome {
  const named = forced === '' ? 'a tool' : forced;
  const documented = `tool_choice forces a call to ${named}, unless the answer is cut by the token limit (OpenAI convention)`;
  const path = `${choice.path}/tool_calls`;
  if (choice.toolCalls.length === 0) {
    if (choice.finishReason === 'length') return skip('the answer was cut by the token limit before any call');
    return fail(
      'no-call',
      receivedDocumented(`choice ${choice.index} finished ${excerpt(choice.finishReason)} without a tool call`, documented),
      { path },
    );
  }
  if (forced === '' || choice.toolCalls.some((c) => c.name === forced)) return pass;
  const called = choice.toolCalls.map((c) => excerpt(c.name ?? null)).join(', ');
  return fail('other-function', receivedDocumented(`choice ${choice.index} called ${called}`, documented), { path });
}

const choiceHonoured = defineCheck({
  id: 'tools.choice-honoured',
  area: 'tools',
  severity: 'high',
  rule: 'tool_choice "required" or a named function is answered with a call (of that function), unless cut by the token limit',
  source: '003_f82a578225befbf7.txt',
  run(evidence) {
    if (evidence.kind !== 'observation' || !declaresTools(evidence)) return [];
    const forced = forcedFunction(evidence.sent);
    if (forced === undefined) return [];
    const answer = toolAnswer(evidence, false);
    if (!('choices' in answer)) return answer;
    return answer.choices.length ? collapse(answer.choices.map((c) => honouredOutcome(c, forced))) : [skip('no choices to read')];
  },
});

const finishReasonConsistent = defineCheck({
  id: 'tools.finish-reason-consistent',
  area: 'tools',
  severity: 'medium',
  rule: 'finish_reason "tool_calls" comes with tool calls (a turn that calls tools may also end "stop", the documented value)',
  source: 'OpenAI convention (assumed)',
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const answer = answerOf(evidence);
    if (!answer || incompleteReason(evidence)) return [];
    const found = answer.choices.flatMap((c) => {
      if (c.toolCalls.length > 0) return [pass];
      if (c.finishReason !== 'tool_calls') return [];
      const received = `choice ${c.index} finished "tool_calls" without a tool call`;
      const path = `${c.path.replace(/\/(message|delta)$/, '')}/finish_reason`;
      return [fail('no-call', receivedDocumented(received, 'tool calls in the message whose finish_reason is "tool_calls"'), { path })];
    });
    return found.length ? collapse(found) : [];
  },
});

export const toolsChecks = [callShape, argumentsValid, streamDeltas, choiceHonoured, finishReasonConsistent] as const;
