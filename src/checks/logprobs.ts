/**
 * logprobs: "是否返回输出 tokens 的对数概率。如果为 true，则返回消息内容中每个输出 tokens 的对数概率" and
 * top_logprobs "指定在每个 tokens 位置返回的最可能 tokens 的数量" (000). The entry shape
 * (`logprobs.content[]` of {token, logprob, bytes, top_logprobs}) is the OpenAI convention.
 */

import type { Observation, Outcome } from '../core/evidence.ts';
import { asArray, dig, excerpt, isInteger, isRecord } from '../core/json.ts';
import { type Answer, answerFor, completionTokens, rejected } from './answers.ts';
import { fail, pass, receivedDocumented, skip } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

/** The answer to a logprobs:true request, or the outcome that replaces judging it. */
const logprobsAnswer = (observation: Observation): Answer | Outcome[] =>
  answerFor(observation, 'logprobs', rejected(observation, 'logprobs:true', '200 with log probabilities'));

const NOT_ANSWERED = skip('no answer to read (judged by logprobs.present)');

const asked = (observation: Observation): boolean =>
  observation.sent?.['logprobs'] === true && (observation.sent?.['n'] === undefined || observation.sent?.['n'] === 1);

/** `choice.logprobs.content` when it is an array. */
const entriesOf = (logprobs: unknown): unknown[] | undefined => {
  const content = dig(logprobs, 'content');
  return Array.isArray(content) ? content : undefined;
};

const present = defineCheck({
  id: 'logprobs.present',
  area: 'logprobs',
  severity: 'high',
  rule: 'logprobs:true → choices[].logprobs.content carries one entry per output token',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || !asked(evidence)) return [];
    const answer = logprobsAnswer(evidence);
    if (!('choices' in answer)) return answer;
    const outcomes: Outcome[] = [];
    const tokens = completionTokens(answer);
    for (const choice of answer.choices) {
      const at = `/choices/${choice.index}/logprobs`;
      const entries = entriesOf(choice.logprobs);
      if (!entries) {
        outcomes.push(
          fail('missing', receivedDocumented(`${at} = ${excerpt(choice.logprobs)}`, 'logprobs.content: one entry per output token'), {
            path: `${at}/content`,
          }),
        );
        continue;
      }
      if (entries.length === 0 && (choice.content ?? '') !== '') {
        outcomes.push(
          fail('empty', receivedDocumented(`${at}/content = [] for content ${excerpt(choice.content, 40)}`, 'one entry per output token'), {
            path: `${at}/content`,
          }),
        );
      } else if (tokens !== undefined && answer.choices.length === 1 && entries.length !== tokens) {
        outcomes.push(
          fail(
            'count',
            receivedDocumented(`${entries.length} logprobs entries for completion_tokens = ${tokens}`, 'one entry per output token'),
            {
              path: `${at}/content`,
            },
          ),
        );
      }
    }
    return outcomes.length ? outcomes : [pass];
  },
});

const topCount = defineCheck({
  id: 'logprobs.top-count',
  area: 'logprobs',
  severity: 'medium',
  rule: 'top_logprobs = k (0 ≤ k ≤ 20) → exactly k alternatives at every token position',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || !asked(evidence)) return [];
    const k = evidence.sent?.['top_logprobs'];
    if (!isInteger(k)) return [];
    const answer = logprobsAnswer(evidence);
    if (!('choices' in answer)) return [NOT_ANSWERED];
    const outcomes: Outcome[] = [];
    let judged = 0;
    for (const choice of answer.choices) {
      const entries = entriesOf(choice.logprobs) ?? [];
      entries.forEach((entry, i) => {
        judged++;
        const top = dig(entry, 'top_logprobs');
        const count = Array.isArray(top) ? top.length : undefined;
        // With k = 0 an absent list says the same as an empty one.
        if (count === k || (k === 0 && (top === undefined || top === null))) return;
        outcomes.push(
          fail('count', receivedDocumented(`${count ?? excerpt(top)} alternatives at token ${i}`, `top_logprobs = ${k} alternatives`), {
            path: `/choices/${choice.index}/logprobs/content/${i}/top_logprobs`,
          }),
        );
      });
    }
    if (judged === 0) return [skip('no logprobs entries to count (judged by logprobs.present)')];
    return outcomes.length ? [outcomes[0]!] : [pass];
  },
});

const utf8 = new TextEncoder();

/** Problems with one {token, logprob, bytes} item, as [key, received] pairs. */
function itemProblems(item: unknown): Array<[string, string]> {
  if (!isRecord(item)) return [['item', `an entry that is not an object: ${excerpt(item, 40)}`]];
  const problems: Array<[string, string]> = [];
  const logprob = item['logprob'];
  if (typeof logprob !== 'number' || !Number.isFinite(logprob)) problems.push(['not-finite', `logprob = ${excerpt(logprob)}`]);
  else if (logprob > 0) problems.push(['positive', `logprob = ${logprob}`]);
  const token = item['token'];
  const bytes = item['bytes'];
  // A token that is part of a multi-byte character decodes to U+FFFD; its bytes cannot be rebuilt from the text.
  if (typeof token === 'string' && Array.isArray(bytes) && !token.includes('\uFFFD')) {
    const expected = [...utf8.encode(token)];
    if (expected.length !== bytes.length || expected.some((b, i) => b !== bytes[i])) {
      problems.push(['bytes', `bytes ${excerpt(bytes, 40)} for token ${JSON.stringify(token)}`]);
    }
  } else if (bytes !== null && bytes !== undefined && !Array.isArray(bytes)) {
    problems.push(['bytes', `bytes = ${excerpt(bytes, 40)}`]);
  }
  return problems;
}

const values = defineCheck({
  id: 'logprobs.values',
  area: 'logprobs',
  severity: 'medium',
  rule: 'every logprob is finite and ≤ 0 (a log probability); bytes are the UTF-8 bytes of token',
  source: 'OpenAI convention (assumed)',
  run(evidence) {
    if (evidence.kind !== 'observation' || !asked(evidence)) return [];
    const answer = logprobsAnswer(evidence);
    if (!('choices' in answer)) return [NOT_ANSWERED];
    const outcomes = new Map<string, Outcome>();
    let judged = 0;
    for (const choice of answer.choices) {
      (entriesOf(choice.logprobs) ?? []).forEach((entry, i) => {
        const at = `/choices/${choice.index}/logprobs/content/${i}`;
        const items: Array<[unknown, string]> = [[entry, at]];
        for (const [j, alt] of asArray(dig(entry, 'top_logprobs')).entries()) items.push([alt, `${at}/top_logprobs/${j}`]);
        for (const [item, path] of items) {
          judged++;
          for (const [key, received] of itemProblems(item)) {
            if (outcomes.has(key)) continue;
            outcomes.set(
              key,
              fail(key, receivedDocumented(`${received} at ${path}`, 'logprob finite and ≤ 0; bytes = UTF-8 bytes of token'), { path }),
            );
          }
        }
      });
    }
    if (judged === 0) return [skip('no logprobs entries to read (judged by logprobs.present)')];
    return outcomes.size ? [...outcomes.values()] : [pass];
  },
});

export const logprobsChecks = [present, topCount, values] as const;
