import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { chatRequest, invalidChatRequest } from '../src/arbitraries/chat-request.ts';
import { invalidLogitBias, logitBias } from '../src/arbitraries/logit-bias.ts';
import { malformedJson } from '../src/arbitraries/malformed-json.ts';
import { invalidMaxTokens, maxTokens } from '../src/arbitraries/max-tokens.ts';
import { invalidMessages, messages } from '../src/arbitraries/messages.ts';
import { functionName, invalidFunctionName, invalidMessageName, messageName } from '../src/arbitraries/names.ts';
import { inRange, invalidRangeValue, outOfRange } from '../src/arbitraries/range-value.ts';
import { invalidSeed, seed } from '../src/arbitraries/seed.ts';
import { invalidStop, stop } from '../src/arbitraries/stop.ts';
import { paramRange, paramRanges } from '../src/contract/ranges.ts';
import { validateRequest } from '../src/contract/validators.ts';

const RUNS = { numRuns: 80, seed: 42 };
const base = { model: 'm', messages: [{ role: 'user', content: 'Hi' }] };

const accepted = (request: unknown): boolean => validateRequest(request).ok;

function expectAccepted<T>(arbitrary: fc.Arbitrary<T>, wrap: (value: T) => unknown): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      const request = wrap(value);
      const result = validateRequest(request);
      if (!result.ok) throw new Error(`${JSON.stringify(request)}: ${result.violations[0]?.message}`);
    }),
    RUNS,
  );
}

function expectRejected<T>(arbitrary: fc.Arbitrary<T>, wrap: (value: T) => unknown): void {
  fc.assert(
    fc.property(arbitrary, (value) => {
      const request = wrap(value);
      if (accepted(request)) throw new Error(`accepted: ${JSON.stringify(request)}`);
    }),
    RUNS,
  );
}

/** Fields a ranged parameter needs beside it to be meaningful. */
const NEEDS: Record<string, Record<string, unknown>> = { top_logprobs: { logprobs: true } };

describe('ranged parameters', () => {
  for (const range of paramRanges()) {
    test(`${range.param}: values within the range are accepted, values past it or of another type rejected`, () => {
      const extra = NEEDS[range.param] ?? {};
      expectAccepted(inRange(range), (v) => ({ ...base, ...extra, [range.param]: v }));
      expectRejected(invalidRangeValue(range), (v) => ({ ...base, ...extra, [range.param]: v }));
    });
  }

  test('valid values never sit on an ambiguous edge, invalid ones never on either reading of it', () => {
    for (const range of paramRanges()) {
      const ambiguous = new Set(range.ambiguous);
      fc.assert(
        fc.property(inRange(range), (v) => !ambiguous.has(v)),
        RUNS,
      );
      fc.assert(
        fc.property(outOfRange(range), (v) => !ambiguous.has(v)),
        RUNS,
      );
    }
  });

  test('documented edges come up often (biased), and constraints cap the values', () => {
    const values = fc.sample(inRange(paramRange('top_p')), { numRuns: 200, seed: 1 });
    expect(values.filter((v) => v === 1).length).toBeGreaterThan(10);
    expect(fc.sample(inRange(paramRange('n'), { max: 2 }), { numRuns: 50, seed: 1 }).every((v) => v === 2)).toBe(true);
    expect(() => inRange(paramRange('n'), { max: 1 })).toThrow(/no valid value/);
  });
});

describe('other request fields', () => {
  test('message names follow the documented pattern and length', () => {
    expectAccepted(messageName(), (name) => ({ ...base, messages: [{ role: 'user', content: 'Hi', name }] }));
    expectRejected(invalidMessageName(), (name) => ({ ...base, messages: [{ role: 'user', content: 'Hi', name }] }));
  });

  test('function names follow the documented pattern and length', () => {
    expectAccepted(functionName(), (name) => ({ ...base, tools: [{ type: 'function', function: { name } }] }));
    expectRejected(invalidFunctionName(), (name) => ({ ...base, tools: [{ type: 'function', function: { name } }] }));
  });

  test('logit_bias stays within the documented bias range', () => {
    expectAccepted(logitBias(), (bias) => ({ ...base, logit_bias: bias }));
    expectRejected(invalidLogitBias(), (bias) => ({ ...base, logit_bias: bias }));
  });

  test('stop: strings, and arrays up to the documented count when asked for', () => {
    expectAccepted(stop({ arrays: true }), (s) => ({ ...base, stop: s }));
    expect(fc.sample(stop(), { numRuns: 30, seed: 3 }).every((s) => typeof s === 'string')).toBe(true);
    expectRejected(invalidStop(), (s) => ({ ...base, stop: s }));
  });

  test('seed and max_tokens', () => {
    expectAccepted(seed(), (s) => ({ ...base, seed: s }));
    expectRejected(invalidSeed(), (s) => ({ ...base, seed: s }));
    expectAccepted(maxTokens(), (m) => ({ ...base, max_tokens: m }));
    expect(fc.sample(maxTokens({ max: 3 }), { numRuns: 30, seed: 3 }).every((m) => m >= 1 && m <= 3)).toBe(true);
    expectRejected(invalidMaxTokens(), (m) => ({ ...base, max_tokens: m }));
  });

  test('messages end with a user turn; invalid messages break one rule', () => {
    expectAccepted(messages(), (list) => ({ model: 'm', messages: list }));
    fc.assert(
      fc.property(messages(), (list) => list.at(-1)?.role === 'user'),
      RUNS,
    );
    expectRejected(invalidMessages(), (list) => ({ model: 'm', messages: list }));
  });

  test('malformed bodies never parse as JSON', () => {
    fc.assert(
      fc.property(malformedJson(), (text) => {
        expect(() => JSON.parse(text)).toThrow();
      }),
      RUNS,
    );
  });
});

describe('whole requests', () => {
  test('chatRequest is accepted, stream or not, with or without stop arrays', () => {
    expectAccepted(chatRequest({ model: 'm' }), (r) => r);
    expectAccepted(chatRequest({ model: 'm', stream: true, stopArrays: true, maxTokens: 4 }), (r) => r);
  });

  test('chatRequest keeps requests cheap and top_logprobs with logprobs', () => {
    fc.assert(
      fc.property(chatRequest({ model: 'm', maxTokens: 4 }), (r) => {
        expect(r['max_tokens']).toBeLessThanOrEqual(4);
        if (r['n'] !== undefined) expect(r['n']).toBeLessThanOrEqual(2);
        if (r['top_logprobs'] !== undefined) expect(r['logprobs']).toBe(true);
        if (r['stream_options'] !== undefined) expect(r['stream']).toBe(true);
      }),
      RUNS,
    );
  });

  test('invalidChatRequest is rejected, or breaks the documented top_logprobs/logprobs rule', () => {
    fc.assert(
      fc.property(invalidChatRequest({ model: 'm' }), ({ body, defect, param }) => {
        if (defect === 'top-logprobs-without-logprobs') {
          expect(body['top_logprobs']).toBeTypeOf('number');
          expect(body['logprobs']).not.toBe(true);
          return;
        }
        expect(accepted(body), `${defect} ${JSON.stringify(body)}`).toBe(false);
        if (param !== undefined && defect !== 'missing-messages' && defect !== 'missing-model') expect(body).toHaveProperty(param);
        if (defect.startsWith('missing-')) expect(body).not.toHaveProperty(param ?? '');
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  test('every defect kind comes up', () => {
    const defects = new Set(fc.sample(invalidChatRequest({ model: 'm' }), { numRuns: 400, seed: 5 }).map((c) => c.defect));
    expect([...defects].sort()).toEqual(
      [
        'bad-function-name',
        'bad-logit-bias',
        'bad-messages',
        'bad-stop',
        'missing-messages',
        'missing-model',
        'out-of-range',
        'top-logprobs-without-logprobs',
        'wrong-type',
      ].sort(),
    );
  });

  test('without a model to remove there is no missing-model defect', () => {
    expect(fc.sample(invalidChatRequest(), { numRuns: 200, seed: 5 }).some((c) => c.defect === 'missing-model')).toBe(false);
  });
});
