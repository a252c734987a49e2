/**
 * Reasoning switches (000): separate_reasoning "是否将推理与 content 分开到 reasoning_content 字段中"
 * (deepseek/deepseek-r1-turbo) and enable_thinking "控制在思考和非思考模式之间的切换" (zai-org/glm-4.5).
 * A probe that finds the model absent from GET /models records an observation tagged `reasoning:model-absent`
 * and `toggle:<field>`; the check then skips with that reason.
 */

import type { Observation, Outcome } from '../core/evidence.ts';
import { excerpt } from '../core/json.ts';
import { type Answer, type AnswerChoice, answerFor, rejected } from './answers.ts';
import { hasTag, tagValue } from './guards.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';
export const MODEL_ABSENT_TAG = 'reasoning:model-absent';

const THINK_TAG = /<\/?think>/i;

const hasText = (value: string | null): value is string => value !== null && value.trim() !== '';

/** Outcomes for evidence about `field`: a model-absent note, or a request that sent the switch. */
function switchAnswer(observation: Observation, field: string): Answer | Outcome[] | undefined {
  if (hasTag(observation, MODEL_ABSENT_TAG)) {
    if (tagValue(observation, 'toggle') !== field) return undefined;
    return [skip(`model ${tagValue(observation, 'model') ?? '(unknown)'} is not listed by GET /models`)];
  }
  const value = observation.sent?.[field];
  if (typeof value !== 'boolean') return undefined;
  const model = String(observation.sent?.['model'] ?? '');
  return answerFor(observation, `${field} with model ${model}`, rejected(observation, `${field}: ${value} (model ${model})`));
}

function judgeSeparate(choice: AnswerChoice, on: boolean): Outcome {
  const at = choice.path;
  if (!on) {
    if (hasText(choice.reasoning)) {
      return fail(
        'present',
        receivedDocumented(
          `reasoning_content ${excerpt(choice.reasoning, 60)} with separate_reasoning: false`,
          'no reasoning_content (default false: "不单独返回思考内容")',
        ),
        {
          path: `${at}/reasoning_content`,
        },
      );
    }
    return pass;
  }
  if (!hasText(choice.reasoning)) {
    return fail(
      'missing',
      receivedDocumented(
        `reasoning_content = ${excerpt(choice.reasoning)} with separate_reasoning: true`,
        'the reasoning in a non-empty reasoning_content',
      ),
      {
        path: `${at}/reasoning_content`,
      },
    );
  }
  const content = choice.content ?? '';
  if (THINK_TAG.test(content)) {
    return fail(
      'tags-in-content',
      receivedDocumented(`content ${excerpt(content, 60)} still carries <think> tags`, 'content free of the reasoning'),
      {
        path: `${at}/content`,
      },
    );
  }
  const reasoning = choice.reasoning.trim();
  if (reasoning.length >= 24 && content.includes(reasoning)) {
    return fail('duplicated', receivedDocumented('content repeats the reasoning_content text', 'content free of the reasoning'), {
      path: `${at}/content`,
    });
  }
  return pass;
}

const separate = defineCheck({
  id: 'reasoning.separate',
  area: 'reasoning',
  severity: 'medium',
  rule: 'separate_reasoning: true → non-empty reasoning_content and content free of it; false (the default) → no reasoning_content',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const answer = switchAnswer(evidence, 'separate_reasoning');
    if (answer === undefined) return [];
    if (!('choices' in answer)) return answer;
    const on = evidence.sent?.['separate_reasoning'] === true;
    const outcomes = answer.choices.map((c) => judgeSeparate(c, on));
    return outcomes.length ? outcomes : [skip('no choices to read')];
  },
});

function judgeThinking(choice: AnswerChoice, on: boolean): Outcome {
  const at = choice.path;
  const content = choice.content ?? '';
  if (!on) {
    if (hasText(choice.reasoning)) {
      return fail(
        'reasoning-present',
        receivedDocumented(
          `reasoning_content ${excerpt(choice.reasoning, 60)} with enable_thinking: false`,
          'non-thinking mode: no reasoning',
        ),
        {
          path: `${at}/reasoning_content`,
        },
      );
    }
    if (THINK_TAG.test(content)) {
      return fail(
        'thinking-in-content',
        receivedDocumented(
          `content ${excerpt(content, 60)} carries <think> with enable_thinking: false`,
          'non-thinking mode: no reasoning',
        ),
        {
          path: `${at}/content`,
        },
      );
    }
    return pass;
  }
  if (hasText(choice.reasoning)) return pass;
  if (THINK_TAG.test(content)) {
    return fail(
      'inline',
      receivedDocumented('the thinking arrives inside content as <think>…</think>', 'the thinking in reasoning_content'),
      {
        path: `${at}/content`,
        conflict: 'reasoning-content-scope',
      },
    );
  }
  return fail(
    'no-reasoning',
    receivedDocumented(`no reasoning with enable_thinking: true (content ${excerpt(content, 60)})`, 'thinking mode: reasoning present'),
    {
      path: `${at}/reasoning_content`,
    },
  );
}

const thinkingToggle = defineCheck({
  id: 'reasoning.thinking-toggle',
  area: 'reasoning',
  severity: 'medium',
  rule: 'enable_thinking: false → no reasoning_content (non-thinking mode); true → the reasoning is present',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const answer = switchAnswer(evidence, 'enable_thinking');
    if (answer === undefined) return [];
    if (!('choices' in answer)) return answer;
    const on = evidence.sent?.['enable_thinking'] === true;
    const outcomes = answer.choices.map((c) => judgeThinking(c, on));
    return outcomes.length ? outcomes : [skip('no choices to read')];
  },
});

export const reasoningChecks = [separate, thinkingToggle] as const;
