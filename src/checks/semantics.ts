/**
 * Whether parameters do what the documents say they do (n, max_tokens, max_completion_tokens, stop, seed).
 * Checks read the request that was sent (`sent`) and the answer, streamed or not.
 */
import { type Answer, answerOf, completionTokens, rejected } from './answers.ts';
import { describeStatus, hasTag, isSuccess, requestedN, statusOf, transportSkip, unsupportedSkip } from './guards.ts';
import { fail, pass, receivedDocumented, skip, warn } from './outcome.ts';
import { defineCheck } from './types.ts';
import { asArray, dig, excerpt, isInteger } from '../core/json.ts';
import type { Observation, Outcome } from '../core/evidence.ts';

const DOC = '000_96bde8db4d236014.txt';

/** The stop probe: a prompt whose natural output contains the stop sequence (plans send exactly this). */
export const STOP_PROMPT = 'Count from 1 to 10, separated by commas.';
export const STOP_SEQUENCE = ', 5';
/** Tag on requests built from STOP_PROMPT, so the check may read the counting. */
export const STOP_TAG = 'semantics:stop';
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
      outcomes.push(fail('indices', receivedDocumented(`indices ${excerpt(indices)}`, `indices 0..${n - 1}, each once`), { path: '/choices' }));
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
      fail('exceeded', receivedDocumented(`usage.completion_tokens = ${used} with ${field} = ${limit}`, `completion_tokens ≤ ${limit * choices}`), {
        path: '/usage/completion_tokens',
      }),
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
      return [skip(`the model finished before ${field} = ${limit} (completion_tokens ${used ?? 'not reported'}), so truncation could not be observed`)];
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

/** Text counting 1, 2, 3 in order (however separated): the model understood the stop prompt. */
const COUNTING = /\b1\b[\s\S]*?\b2\b[\s\S]*?\b3\b/;

function judgeStopChoice(content: string, reason: unknown, stops: string[], counting: boolean, at: string): Outcome | undefined {
  const documented = 'output ends at the stop sequence, which is included ("返回的文本将包含停止序列"), finish_reason "stop"';
  const hits = stops
    .map((s) => ({ s, at: content.indexOf(s) }))
    .filter((h) => h.at >= 0)
    .sort((a, b) => a.at - b.at);
  const first = hits[0];
  if (first) {
    const rest = content.slice(first.at + first.s.length);
    if (rest.length > 0) {
      return fail('continued', receivedDocumented(`content ${excerpt(content, 80)} continues past ${JSON.stringify(first.s)}`, documented), {
        path: `${at}/content`,
      });
    }
    // Another value than "stop" or "length" is schema.finish-reason-documented's finding, not this rule's.
    if (reason === 'length' || reason === null || reason === undefined) {
      return fail('finish-reason', receivedDocumented(`finish_reason = ${excerpt(reason)} after the stop sequence`, documented), {
        path: `${at.replace(/\/(message|delta)$/, '')}/finish_reason`,
      });
    }
    return undefined;
  }
  if (!counting) return undefined;
  if (!COUNTING.test(content)) return skip(`the output shows no counting (${excerpt(content, 60)}), so the stop sequence could not be judged`);
  // ", 5" cut out of "1, 2, 3, 4, 5, …" leaves "1, 2, 3, 4": stopped at the sequence but dropped it.
  if (/\b4\s*$/.test(content) && reason === 'stop') {
    return fail(
      'excluded',
      receivedDocumented(`content ${excerpt(content, 80)} stops before ${JSON.stringify(stops[0])} and leaves it out`, documented),
      { path: `${at}/content`, conflict: 'stop-included' },
    );
  }
  if (reason === 'length') return skip('the reply was cut by the token limit before reaching the stop sequence');
  return skip(`the output never produced ${JSON.stringify(stops[0])} (${excerpt(content, 60)}), so the stop sequence could not be judged`);
}

const stopSequence = defineCheck({
  id: 'semantics.stop-sequence',
  area: 'semantics',
  severity: 'high',
  rule: 'stop: "API 将停止生成进一步 tokens 的最多 4 个序列。返回的文本将包含停止序列" — output ends at (and includes) the stop sequence; finish_reason "stop"',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation') return [];
    const sent = evidence.sent?.['stop'];
    const stops = stopList(sent);
    if (stops.length === 0) return [];
    const counting = hasTag(evidence, STOP_TAG);
    if (!isSuccess(statusOf(evidence))) {
      if (!counting) return [];
      return notAnswered(evidence, `stop ${excerpt(sent)}`, Array.isArray(sent) ? 'stop-array' : undefined);
    }
    const answer = answerOf(evidence);
    if (!answer) return [];
    const outcomes: Outcome[] = [];
    for (const choice of answer.choices) {
      if (choice.content === null) continue;
      const outcome = judgeStopChoice(choice.content, choice.finishReason, stops, counting, choice.path);
      if (outcome) outcomes.push(outcome);
    }
    if (outcomes.length) return outcomes;
    const reachedStop = answer.choices.some((c) => c.content !== null && stops.some((s) => c.content!.includes(s)));
    return reachedStop ? [pass] : counting ? [skip('no choice carried content')] : [];
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

export const semanticsChecks = [nChoices, maxTokens, maxCompletionTokens, stopSequence, seedDeterminism] as const;
