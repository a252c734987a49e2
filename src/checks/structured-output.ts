/**
 * response_format (000): `{ "type": "json_object" }` "确保模型生成的消息是有效的 JSON"; `{ "type": "json_schema",
 * "json_schema": {...} }` "确保模型将匹配您提供的 JSON schema". Content cut with finish_reason "length" is not held to
 * be valid JSON (002, conflict json-mode-instruction).
 */
import { compileUserSchema } from '../contract/validators.ts';
import type { Observation, Outcome } from '../core/evidence.ts';
import { dig, excerpt } from '../core/json.ts';
import { type Answer, type AnswerChoice, answerFor, rejected } from './answers.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

const formatType = (observation: Observation): unknown => dig(observation.sent, 'response_format', 'type');

const formatAnswer = (observation: Observation, what: string): Answer | Outcome[] =>
  answerFor(observation, `response_format ${what}`, rejected(observation, `response_format ${what}`));

type Parsed = { ok: true; value: unknown } | { ok: false; outcome: Outcome };

/** The content of a finished choice as JSON, or why it cannot be judged / is not JSON. */
function parseContent(choice: AnswerChoice): Parsed {
  if (choice.finishReason === 'length') {
    return { ok: false, outcome: skip('the answer was cut by the token limit ("length"), which may truncate the JSON (002)') };
  }
  const path = `${choice.path}/content`;
  const content = choice.content;
  if (content === null || content.trim() === '') {
    return { ok: false, outcome: fail('empty', receivedDocumented(`content = ${excerpt(content)}`, 'a JSON text'), { path }) };
  }
  try {
    return { ok: true, value: JSON.parse(content) as unknown };
  } catch (error) {
    const fenced = /^\s*```/.test(content) ? ' (wrapped in a Markdown fence)' : '';
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      outcome: fail('not-json', receivedDocumented(`content ${excerpt(content, 80)}${fenced}: ${reason}`, 'content that parses as JSON'), {
        path,
      }),
    };
  }
}

const jsonObject = defineCheck({
  id: 'structured-output.json-object',
  area: 'structured-output',
  severity: 'high',
  rule: 'response_format {"type":"json_object"}: "确保模型生成的消息是有效的 JSON" — content parses as JSON',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || formatType(evidence) !== 'json_object') return [];
    const answer = formatAnswer(evidence, 'json_object');
    if (!('choices' in answer)) return answer;
    const outcomes = answer.choices.map((choice) => {
      const parsed = parseContent(choice);
      return parsed.ok ? pass : parsed.outcome;
    });
    return outcomes.length ? outcomes : [skip('no choices to read')];
  },
});

const jsonSchema = defineCheck({
  id: 'structured-output.json-schema',
  area: 'structured-output',
  severity: 'high',
  rule: 'response_format {"type":"json_schema"}: "确保模型将匹配您提供的 JSON schema" — content validates against the schema sent',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || formatType(evidence) !== 'json_schema') return [];
    const schema = dig(evidence.sent, 'response_format', 'json_schema', 'schema');
    if (schema === undefined || schema === null) return [];
    const compiled = compileUserSchema(schema);
    if (!compiled.ok) return [skip(`the schema sent does not compile (${compiled.error})`)];
    const answer = formatAnswer(evidence, 'json_schema');
    if (!('choices' in answer)) return answer;
    const outcomes = answer.choices.map((choice): Outcome => {
      const parsed = parseContent(choice);
      if (!parsed.ok) return parsed.outcome;
      const validation = compiled.validate(parsed.value);
      if (validation.ok) return pass;
      const first = validation.violations[0];
      return fail(
        'schema',
        receivedDocumented(
          `content ${excerpt(parsed.value, 80)}: ${first?.message ?? 'invalid'}`,
          `valid against the schema sent${first ? ` (${first.documented})` : ''}`,
        ),
        { path: `${choice.path}/content` },
      );
    });
    return outcomes.length ? outcomes : [skip('no choices to read')];
  },
});

export const structuredOutputChecks = [jsonObject, jsonSchema] as const;
