import { describe, expect, test } from 'vitest';
import { LIMIT_TAG, semanticsChecks, STOP_PROMPT, STOP_SEQUENCE, STOP_TAG, TRUNCATION_PROMPT, TRUNCATION_TAG } from '../src/checks/semantics.ts';
import { findingsOf, runCheck, worstVerdict } from './support/chunks.ts';
import { fakeComparison } from './support/evidence.ts';
import { answered, errorAnswer, openAiError, streamed } from './support/requests.ts';

const run = (id: string, evidence: Parameters<typeof runCheck>[2]) => runCheck(semanticsChecks, id, evidence);
const ask = (text: string) => [{ role: 'user', content: text }];

describe('semantics.n-choices', () => {
  const sent = { messages: ask('Say hello.'), max_tokens: 8, n: 2 };

  test('n choices with indices 0..n-1, each finished, pass', () => {
    expect(worstVerdict(run('semantics.n-choices', answered(sent, [{}, {}])))).toBe('pass');
  });

  test('one choice for n=2 fails (n-ignored)', () => {
    const outcomes = run('semantics.n-choices', answered(sent, [{}]));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'count', path: '/choices' });
    expect(findingsOf(outcomes)[0]?.message).toBe('Received: 1 choice(s) for n=2\nDocumented: 2 choices');
  });

  test('duplicate indices or an unfinished choice fail', () => {
    expect(findingsOf(run('semantics.n-choices', answered(sent, [{ index: 0 }, { index: 0 }])))[0]?.key).toBe('indices');
    expect(findingsOf(run('semantics.n-choices', answered(sent, [{}, { finishReason: null }])))[0]?.key).toBe('unfinished');
  });

  test('requests without n>1, and streams, are not its business', () => {
    expect(run('semantics.n-choices', answered({ messages: [] }, [{}]))).toEqual([]);
    expect(run('semantics.n-choices', streamed(sent, [{ content: 'Hi', finishReason: 'stop' }]))).toEqual([]);
  });

  test('a rejected n=2 fails unless the target says n is unsupported', () => {
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError('bad n', 'n'), { sent })))).toBe('fail');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError('n > 1 is not supported', 'n'), { sent })))).toBe('skip');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(400, openAiError("'n' : number must be at most 1", 'n'), { sent })))).toBe('skip');
  });

  test('a rate-limited answer skips; a bare 503 is judged', () => {
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(429, openAiError('slow down'), { sent })))).toBe('skip');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(503, openAiError('busy'), { sent, headers: { 'retry-after': '3' } })))).toBe('skip');
    expect(worstVerdict(run('semantics.n-choices', errorAnswer(503, openAiError('engine down'), { sent })))).toBe('fail');
  });
});

describe('semantics.max-tokens', () => {
  const sent = { messages: ask(TRUNCATION_PROMPT), max_tokens: 5 };
  const tags = [LIMIT_TAG, TRUNCATION_TAG];

  test('a reply cut at the limit with "length" passes, streamed or not', () => {
    expect(worstVerdict(run('semantics.max-tokens', answered(sent, [{ content: '1, 2, 3', finishReason: 'length' }], { usage: 5, tags })))).toBe('pass');
    const stream = streamed(sent, [{ content: '1, 2' }, { content: ', 3', finishReason: 'length' }], { usage: 5, tags });
    expect(worstVerdict(run('semantics.max-tokens', stream))).toBe('pass');
  });

  test('more tokens than max_tokens fails (max-tokens-ignored)', () => {
    const outcomes = run('semantics.max-tokens', answered(sent, [{ content: '1, 2, 3, 4, 5, 6', finishReason: 'length' }], { usage: 40, tags }));
    expect(findingsOf(outcomes)).toContainEqual(expect.objectContaining({ key: 'exceeded', path: '/usage/completion_tokens' }));
  });

  test('a reply cut at the limit reported as "stop" fails (length-as-stop)', () => {
    const outcomes = run('semantics.max-tokens', answered(sent, [{ content: '1, 2, 3', finishReason: 'stop' }], { usage: 5, tags }));
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'finish-reason', path: '/choices/0/finish_reason' });
  });

  test('without usage the counting shows the cut', () => {
    const stream = streamed(sent, [{ content: '1, 2, 3', finishReason: 'stop' }], { tags });
    expect(worstVerdict(run('semantics.max-tokens', stream))).toBe('fail');
  });

  test('a model that stopped before the limit skips', () => {
    expect(worstVerdict(run('semantics.max-tokens', answered(sent, [{ content: 'No.', finishReason: 'stop' }], { usage: 2, tags })))).toBe('skip');
  });

  test('an untagged answer is judged only on its count', () => {
    expect(worstVerdict(run('semantics.max-tokens', answered({ max_tokens: 16 }, [{ content: 'Hi' }], { usage: 3 })))).toBe('pass');
    expect(worstVerdict(run('semantics.max-tokens', answered({ max_tokens: 16 }, [{ content: 'Hi' }], { usage: 30 })))).toBe('fail');
    expect(run('semantics.max-tokens', errorAnswer(400, openAiError('x'), { sent: { max_tokens: 16 } }))).toEqual([]);
  });
});

describe('semantics.max-completion-tokens', () => {
  const sent = { messages: ask(TRUNCATION_PROMPT), max_tokens: 32, max_completion_tokens: 5 };
  const tags = [LIMIT_TAG, TRUNCATION_TAG];

  test('the tighter limit holds: passes', () => {
    expect(worstVerdict(run('semantics.max-completion-tokens', answered(sent, [{ content: '1, 2', finishReason: 'length' }], { usage: 5, tags })))).toBe('pass');
  });

  test('output running to max_tokens fails (max-completion-tokens-ignored)', () => {
    const outcomes = run('semantics.max-completion-tokens', answered(sent, [{ content: '1, 2, 3, 4', finishReason: 'length' }], { usage: 32, tags }));
    expect(worstVerdict(outcomes)).toBe('fail');
    expect(findingsOf(outcomes)[0]?.message).toContain('max_completion_tokens = 5');
  });

  test('max_tokens alone is not its business, and max-tokens leaves the pair to it', () => {
    expect(run('semantics.max-completion-tokens', answered({ max_tokens: 5 }, [{}], { usage: 1 }))).toEqual([]);
    expect(run('semantics.max-tokens', answered(sent, [{}], { usage: 1 }))).toEqual([]);
  });
});

describe('semantics.stop-sequence', () => {
  const sent = { messages: ask(STOP_PROMPT), max_tokens: 48, stop: STOP_SEQUENCE };
  const tags = [STOP_TAG];
  const judge = (content: string, finishReason = 'stop', body: Record<string, unknown> = sent) =>
    run('semantics.stop-sequence', answered(body, [{ content, finishReason }], { tags }));

  test('output ending with the stop sequence passes (string, array and streamed forms)', () => {
    expect(worstVerdict(judge('1, 2, 3, 4, 5'))).toBe('pass');
    expect(worstVerdict(judge('1, 2, 3, 4, 5', 'stop', { ...sent, stop: [STOP_SEQUENCE, 'QZX'] }))).toBe('pass');
    const stream = streamed(sent, [{ content: '1, 2, 3, 4' }, { content: ', 5', finishReason: 'stop' }], { tags });
    expect(worstVerdict(run('semantics.stop-sequence', stream))).toBe('pass');
  });

  test('output running past the stop sequence fails (stop-ignored)', () => {
    const outcomes = judge('1, 2, 3, 4, 5, 6, 7, 8, 9, 10');
    expect(findingsOf(outcomes)[0]).toMatchObject({ key: 'continued', path: '/choices/0/message/content' });
  });

  test('output cut before the stop sequence carries conflict stop-included (stop-excluded)', () => {
    const [finding] = findingsOf(judge('1, 2, 3, 4'));
    expect(finding).toMatchObject({ key: 'excluded', conflict: 'stop-included' });
  });

  test('a reply that ends at the stop sequence must say "stop"', () => {
    expect(findingsOf(judge('1, 2, 3, 4, 5', 'length'))[0]?.key).toBe('finish-reason');
  });

  test('output that never produced the stop text, or no counting at all, skips', () => {
    expect(worstVerdict(judge('1,2,3,4,5,6,7,8,9,10'))).toBe('skip');
    expect(worstVerdict(judge('I would rather not count.'))).toBe('skip');
    expect(worstVerdict(judge('1, 2, 3', 'length'))).toBe('skip');
  });

  test('a rejected array form carries conflict stop-array; the string form fails plainly', () => {
    const arraySent = { ...sent, stop: [STOP_SEQUENCE, 'QZX'] };
    const array = run('semantics.stop-sequence', errorAnswer(400, openAiError('stop must be a string', 'stop'), { sent: arraySent, tags }));
    expect(findingsOf(array)[0]?.conflict).toBe('stop-array');
    const string = run('semantics.stop-sequence', errorAnswer(400, openAiError('bad stop', 'stop'), { sent, tags }));
    expect(findingsOf(string)[0]?.conflict).toBeUndefined();
  });

  test('untagged answers are judged only when they contain the stop text', () => {
    expect(run('semantics.stop-sequence', answered({ stop: 'x' }, [{ content: 'Hello' }]))).toEqual([]);
    expect(worstVerdict(run('semantics.stop-sequence', answered({ stop: 'l' }, [{ content: 'Hello' }])))).toBe('fail');
  });
});

describe('semantics.seed-determinism', () => {
  const sent = { messages: ask('Write one sentence about the sea.'), seed: 11 };
  const a = answered(sent, [{ content: 'The sea is calm.' }]);

  test('the same output twice passes', () => {
    expect(worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, answered(sent, [{ content: 'The sea is calm.' }]))))).toBe('pass');
  });

  test('different output fails on a deterministic target (seed-ignored) and warns otherwise', () => {
    const b = answered(sent, [{ content: 'The sea is rough.' }]);
    expect(worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, b, true)))).toBe('fail');
    const outcomes = run('semantics.seed-determinism', fakeComparison('same-seed', a, b, false));
    expect(worstVerdict(outcomes)).toBe('warn');
    expect(findingsOf(outcomes)[0]?.message).toContain('"The sea is calm." then "The sea is rough."');
  });

  test('an unanswered request skips; other comparisons are not its business', () => {
    expect(worstVerdict(run('semantics.seed-determinism', fakeComparison('same-seed', a, errorAnswer(500, 'x'))))).toBe('skip');
    expect(run('semantics.seed-determinism', fakeComparison('stream-vs-nonstream', a, a))).toEqual([]);
  });
});
