/**
 * Whether parameters do what the documents say they do (n, max_tokens, max_completion_tokens, stop, seed).
 * Checks read the request that was sent (`sent`) and the answer, streamed or not.
 */

import type { Observation, Outcome } from '../core/evidence.ts';
import { asArray, dig, excerpt, isInteger } from '../core/json.ts';
import { type Answer, type AnswerChoice, answerOf, completionTokens, rejected } from './answers.ts';
import { describeStatus, hasTag, isSuccess, requestedN, statusOf, transportSkip, unsupportedSkip } from './guards.ts';
import { collapse, fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

/** The relation of a stop pair: the target's own answer, then the same request with a stop sequence taken from it. */
export const STOP_RELATION = 'stop-from-answer';
/** Tag on the requests the limit probes send, so a rejection of them is judged too. */
export const LIMIT_TAG = 'semantics:limit';
/** Tag on requests whose prompt cannot finish within the limit sent (e.g. "Count from 1 to 100." with 5 tokens). */
export const TRUNCATION_TAG = 'truncation-expected';
/** Where the truncation prompt's counting ends: an answer that reaches it was not cut. */
const COUNT_END = '100';
export const TRUNCATION_PROMPT = `Count from 1 to ${COUNT_END}, separated by commas.`;

/** Outcome for a 2xx-less answer to a valid request: transport skip, unsupported skip, or a failure. */
const notAnswered = (observation: Observation, what: string, conflict?: string): Outcome[] => [
  transportSkip(observation) ??
    unsupportedSkip(observation, what) ??
    rejected(observation, `a valid request with ${what}`, '200 with an answer', conflict ? { conflict } : {}),
];

const nChoices = defineCheck({
  id: 'semantics.n-choices',
  area: 'semantics',
  severity: 'high',
  rule: 'n: "为每个提示生成的完成数量" — n choices with indices 0..n-1, each with a finish_reason',
  source: DOC,
  run(evidence) {
    // Streams are judged by streaming.all-choices.
    if (evidence.kind !== 'observation' || evidence.stream) return [];
    const n = evidence.sent?.['n'];
    if (!isInteger(n) || n < 2 || evidence.sent?.['stream'] === true) return [];
    if (!isSuccess(statusOf(evidence))) return notAnswered(evidence, `n=${n}`);
    const choices = dig(evidence.json, 'choices');
    if (!Array.isArray(choices)) return [skip('the response has no choices array (judged by schema.response-valid)')];
    const outcomes: Outcome[] = [];
    if (choices.length !== n) {
      outcomes.push(fail('count', receivedDocumented(`${choices.length} choice(s) for n=${n}`, `${n} choices`), { path: '/choices' }));
    }
    const indices = choices.map((c) => dig(c, 'index'));
    const expected = Array.from({ length: n }, (_, i) => i);
    const sorted = [...indices].sort((a, b) => Number(a) - Number(b));
    if (choices.length === n && !expected.every((i, k) => sorted[k] === i)) {
      outcomes.push(
        fail('indices', receivedDocumented(`indices ${excerpt(indices)}`, `indices 0..${n - 1}, each once`), { path: '/choices' }),
      );
    }
    choices.forEach((choice, i) => {
      const reason = dig(choice, 'finish_reason');
      if (typeof reason !== 'string' || reason === '') {
        outcomes.push(
          fail('unfinished', receivedDocumented(`choices[${i}].finish_reason = ${excerpt(reason ?? null)}`, 'every choice finished'), {
            path: `/choices/${i}/finish_reason`,
          }),
        );
      }
    });
    return outcomes.length ? outcomes : [pass];
  },
});

/**
 * completion_tokens ≤ limit, and a reply cut by the limit says "length". `field` is the parameter judged;
 * `limit` its value. Only single-choice requests are judged for the exact count (usage sums all choices).
 */
function judgeLimit(observation: Observation, field: string, limit: number): Outcome[] {
  if (!isSuccess(statusOf(observation))) return notAnswered(observation, `${field}=${limit}`);
  const answer = answerOf(observation);
  if (!answer || answer.choices.length === 0) return [skip('no choices to read')];
  const choices = requestedN(observation);
  const used = completionTokens(answer);
  const outcomes: Outcome[] = [];
  if (used !== undefined && used > limit * choices) {
    outcomes.push(
      fail(
        'exceeded',
        receivedDocumented(`usage.completion_tokens = ${used} with ${field} = ${limit}`, `completion_tokens ≤ ${limit * choices}`),
        {
          path: '/usage/completion_tokens',
        },
      ),
    );
  }
  if (hasTag(observation, TRUNCATION_TAG) && choices === 1) {
    const choice = answer.choices[0]!;
    const reason = choice.finishReason;
    const cutAtLimit = used !== undefined ? used >= limit : !(choice.content ?? '').includes(COUNT_END);
    if (reason !== 'length' && cutAtLimit) {
      outcomes.push(
        fail(
          'finish-reason',
          receivedDocumented(
            `finish_reason = ${excerpt(reason)} for a reply cut at ${field} = ${limit}${used !== undefined ? ` (completion_tokens ${used})` : ''}`,
            '"length" when the maximum number of tokens was reached',
          ),
          { path: `/choices/0/finish_reason` },
        ),
      );
    }
    if (reason !== 'length' && !cutAtLimit && outcomes.length === 0) {
      return [
        skip(
          `the model finished before ${field} = ${limit} (completion_tokens ${used ?? 'not reported'}), so truncation could not be observed`,
        ),
      ];
    }
  }
  if (used === undefined && !hasTag(observation, TRUNCATION_TAG)) return [skip('no usage to compare with the limit')];
  return outcomes.length ? outcomes : [pass];
}

const maxTokens = defineCheck({
  id: 'semantics.max-tokens',
  area: 'semantics',
  severity: 'high',
  rule: 'max_tokens: "在完成中生成的最大 tokens 数量" — completion_tokens ≤ max_tokens; finish_reason "length" when reached',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const limit = evidence.sent?.['max_tokens'];
    // With both limits set the tighter one governs; that pair is judged by semantics.max-completion-tokens.
    if (!isInteger(limit) || limit < 1 || evidence.sent?.['max_completion_tokens'] !== undefined) return [];
    if (!hasTag(evidence, LIMIT_TAG) && answerOf(evidence) === undefined) return [];
    return judgeLimit(evidence, 'max_tokens', limit);
  },
});

const maxCompletionTokens = defineCheck({
  id: 'semantics.max-completion-tokens',
  area: 'semantics',
  severity: 'medium',
  rule: 'max_completion_tokens ("最大补全 Token 数") caps completion_tokens like max_tokens; "length" when reached',
  source: '003_f82a578225befbf7.txt',
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const limit = evidence.sent?.['max_completion_tokens'];
    if (!isInteger(limit) || limit < 1) return [];
    if (!hasTag(evidence, LIMIT_TAG) && answerOf(evidence) === undefined) return [];
    const other = evidence.sent?.['max_tokens'];
    const tighter = isInteger(other) && other > 0 ? Math.min(limit, other) : limit;
    return judgeLimit(evidence, 'max_completion_tokens', tighter);
  },
});

const stopList = (stop: unknown): string[] =>
  typeof stop === 'string' ? [stop] : asArray(stop).filter((s): s is string => typeof s === 'string' && s !== '');

const STOP_DOCUMENTED = 'generation stops at the stop sequence, which the returned text includes ("返回的文本将包含停止序列")';

/**
 * One choice of the answer to the stopped request. Any model: the text never goes on past the stop sequence.
 * Where the first answer is reproduced (its text up to the sequence), whether the sequence is included is judged too.
 */
function judgeStopped(choice: AnswerChoice, stop: string, first: string | null): Outcome {
  const text = choice.content ?? '';
  const at = text.indexOf(stop);
  const path = `${choice.path}/content`;
  if (at >= 0 && at + stop.length < text.length) {
    const received = `${excerpt(text, 80)} goes on past ${JSON.stringify(stop)}`;
    return fail('continued', receivedDocumented(received, STOP_DOCUMENTED), { path });
  }
  const reached = first?.indexOf(stop) ?? -1;
  if (first === null || reached < 0) return pass;
  const included = first.slice(0, reached + stop.length);
  const excluded = first.slice(0, reached);
  if (text === excluded && excluded !== included) {
    const received = `${excerpt(text, 80)}: the same text, cut just before ${JSON.stringify(stop)} and without it`;
    return fail('excluded', receivedDocumented(received, STOP_DOCUMENTED), { path, conflict: 'stop-included' });
  }
  if (text === included && choice.finishReason === 'length') {
    const received = `finish_reason "length" for a reply that ended at the stop sequence`;
    return fail('finish-reason', receivedDocumented(received, `${STOP_DOCUMENTED}; finish_reason "stop"`), {
      path: `${choice.path.replace(/\/(message|delta)$/, '')}/finish_reason`,
    });
  }
  return pass;
}

const stopSequence = defineCheck({
  id: 'semantics.stop-sequence',
  area: 'semantics',
  severity: 'high',
  rule: 'stop: "API 将停止生成进一步 tokens 的最多 4 个序列。返回的文本将包含停止序列" — output never goes on past the stop sequence, and includes it',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'comparison' || evidence.relation !== STOP_RELATION) return [];
    const sent = evidence.b.sent?.['stop'];
    const stop = stopList(sent)[0];
    if (stop === undefined) return [];
    if (!isSuccess(statusOf(evidence.b)))
      return notAnswered(evidence.b, `stop ${excerpt(sent)}`, Array.isArray(sent) ? 'stop-array' : undefined);
    const answer = answerOf(evidence.b);
    if (!answer || answer.choices.length === 0) return [skip('the stopped request got no choices to read')];
    const first = answerOf(evidence.a)?.choices[0]?.content ?? null;
    return collapse(answer.choices.map((choice) => judgeStopped(choice, stop, first)));
  },
});

/** All choices' content (streamed or not), in index order, for comparing two answers. */
const contentsOf = (answer: Answer): string[] => answer.choices.map((c) => c.content ?? '');

const seedDeterminism = defineCheck({
  id: 'semantics.seed-determinism',
  area: 'semantics',
  severity: 'low',
  rule: 'seed: "使用相同的 seed 和参数重复请求应返回相同的结果" (best effort) — the same seeded request twice gives the same output',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'comparison' || evidence.relation !== 'same-seed') return [];
    const a = answerOf(evidence.a);
    const b = answerOf(evidence.b);
    if (!a || !b) {
      const bad = a ? evidence.b : evidence.a;
      return [skip(`one of the two seeded requests was not answered (${describeStatus(bad)})`)];
    }
    const first = contentsOf(a);
    const second = contentsOf(b);
    const differs = first.length !== second.length || first.some((c, i) => c !== second[i]);
    if (!differs) return [pass];
    const i = first.findIndex((c, k) => c !== second[k]);
    const message = receivedDocumented(
      `seed ${excerpt(evidence.a.sent?.['seed'])}: ${excerpt(first[i] ?? '', 60)} then ${excerpt(second[i] ?? '', 60)}`,
      'the same output for the same seed and parameters (best effort)',
    );
    const path = `/choices/${Math.max(i, 0)}/message/content`;
    return [evidence.deterministic ? fail('differs', message, { path }) : warn('differs', message, { path })];
  },
});

/** A max_tokens no context window can hold: a target may refuse it instead of lowering it. */
const BEYOND_ANY_CONTEXT = 2 ** 31 - 1;

const maxTokensOverflow = defineCheck({
  id: 'semantics.max-tokens-overflow',
  area: 'semantics',
  severity: 'medium',
  rule: 'an over-long max_tokens "将被降低以适应上下文窗口,而不是返回错误" — answered normally; one beyond any context may be refused with 4xx, never a 5xx or an error inside a 200 stream',
  source: '001_7a31a6b58b31bf6d.txt',
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'overflow')) return [];
    const limit = evidence.sent?.['max_tokens'];
    const status = statusOf(evidence);
    const skipped = transportSkip(evidence);
    if (skipped) return [skipped];
    const documented = 'max_tokens lowered to fit the context window, and a normal answer (001, 002)';
    if (status !== undefined && status >= 500) {
      return [
        fail('server-error', receivedDocumented(`${describeStatus(evidence)} for max_tokens ${limit}`, documented), {
          path: '/max_tokens',
        }),
      ];
    }
    // What a 2xx body holds is the schema checks' business.
    if (isSuccess(status)) return [pass];
    if (limit === BEYOND_ANY_CONTEXT && status !== undefined && status >= 400) return [pass];
    const received = `${describeStatus(evidence)} for max_tokens ${limit}`;
    return [fail('refused', receivedDocumented(received, documented), { path: '/max_tokens', conflict: 'max-tokens-context-lowered' })];
  },
});

export const semanticsChecks = [nChoices, maxTokens, maxCompletionTokens, stopSequence, seedDeterminism, maxTokensOverflow] as const;
