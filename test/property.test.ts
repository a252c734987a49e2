import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { ProbeIO } from '../src/engine/probe.ts';
import { runProperty, type Examination } from '../src/engine/property.ts';
import type { RunConfig } from '../src/core/run-config.ts';

interface FakeIO extends ProbeIO {
  /** Requests "sent" so far (one per examination, or `cost`). */
  spent: number;
  messages: string[];
}

function fakeIO(options: { budget?: number; seed?: number; replayPath?: string } = {}): FakeIO {
  const config = {
    seed: options.seed ?? 4242,
    ...(options.replayPath !== undefined ? { replayPath: options.replayPath } : {}),
  } as RunConfig;
  const io: FakeIO = {
    config,
    deterministic: true,
    spent: 0,
    messages: [],
    chat: () => Promise.reject(new Error('not used')),
    get: () => Promise.reject(new Error('not used')),
    wants: () => true,
    remainingBudget: () => Math.max(0, (options.budget ?? Infinity) - io.spent),
    progress: (message) => io.messages.push(message),
  };
  return io;
}

/** A "request" per examination: fails for every value of 10 or more. */
function examiner(io: FakeIO, cost = 1) {
  const seen: number[] = [];
  const examine = async (value: number): Promise<Examination> => {
    io.spent += cost;
    seen.push(value);
    return value >= 10 ? { ok: false, message: `Received: ${value}\nDocumented: < 10` } : { ok: true };
  };
  return { seen, examine };
}

const spec = (examine: (v: number) => Promise<Examination>, extra: { numRuns?: number; maxShrinks?: number; costPerRun?: number } = {}) => ({
  probe: 'test',
  property: 'test.property',
  arbitrary: fc.integer({ min: 0, max: 1000 }),
  numRuns: extra.numRuns ?? 50,
  ...(extra.maxShrinks !== undefined ? { maxShrinks: extra.maxShrinks } : {}),
  ...(extra.costPerRun !== undefined ? { costPerRun: extra.costPerRun } : {}),
  examine,
});

describe('runProperty', () => {
  test('a property that holds passes every run and reports progress', async () => {
    const io = fakeIO();
    const evidence = await runProperty(io, spec(async () => ({ ok: true }), { numRuns: 12 }));
    expect(evidence).toMatchObject({ kind: 'property', property: 'test.property', runs: 12 });
    expect(evidence.failure).toBeUndefined();
    expect(evidence.interrupted).toBeUndefined();
    expect(io.messages).toEqual(['test.property: 5/12 cases', 'test.property: 10/12 cases']);
  });

  test('a failing predicate yields the seed, the replay path and the shrunk counterexample', async () => {
    const io = fakeIO();
    const { examine } = examiner(io);
    const evidence = await runProperty(io, spec(examine, { maxShrinks: 100 }));
    expect(evidence.failure).toMatchObject({ seed: 4242, counterexample: 10, message: 'Received: 10\nDocumented: < 10' });
    expect(evidence.failure?.path).toMatch(/^\d+(:\d+)*$/);
  });

  test('replaying with that seed and path reproduces the counterexample in one run', async () => {
    const first = fakeIO();
    const failed = await runProperty(first, spec(examiner(first).examine, { maxShrinks: 4 }));
    const { seed, path, counterexample } = failed.failure!;

    const replay = fakeIO({ seed, replayPath: path });
    const { seen, examine } = examiner(replay);
    const again = await runProperty(replay, spec(examine, { maxShrinks: 4 }));
    expect(seen).toEqual([counterexample]);
    expect(again.failure?.counterexample).toEqual(counterexample);
  });

  test('shrinking stops at the cap; the last value that really failed stays the counterexample', async () => {
    const io = fakeIO();
    const { seen, examine } = examiner(io);
    const evidence = await runProperty(io, spec(examine, { maxShrinks: 3 }));
    const firstFailure = seen.findIndex((v) => v >= 10);
    expect(seen.length - firstFailure - 1).toBeLessThanOrEqual(3);
    const failing = seen.filter((v) => v >= 10);
    expect(evidence.failure?.counterexample).toBe(failing.at(-1));
  });

  test('with no shrink steps the first failure is reported as it was generated', async () => {
    const io = fakeIO();
    const { seen, examine } = examiner(io);
    const evidence = await runProperty(io, spec(examine, { maxShrinks: 0 }));
    expect(seen.filter((v) => v >= 10)).toHaveLength(1);
    expect(evidence.failure?.counterexample).toBe(seen.at(-1));
  });

  test('the budget is never exceeded, and running out before the end is an interruption', async () => {
    const io = fakeIO({ budget: 7 });
    const evidence = await runProperty(io, spec(async () => { io.spent += 2; return { ok: true }; }, { numRuns: 20, costPerRun: 2 }));
    expect(io.spent).toBeLessThanOrEqual(7);
    expect(evidence.runs).toBe(3);
    expect(evidence.interrupted).toBe(true);
    expect(evidence.failure).toBeUndefined();
  });

  test('the budget also bounds shrinking', async () => {
    const io = fakeIO({ budget: 60 });
    const { examine } = examiner(io);
    const evidence = await runProperty(io, spec(examine, { numRuns: 50, maxShrinks: 1000 }));
    expect(io.spent).toBeLessThanOrEqual(60);
    expect(evidence.failure?.counterexample).toBeGreaterThanOrEqual(10);
  });

  test('examples run first', async () => {
    const io = fakeIO();
    const { seen, examine } = examiner(io);
    await runProperty(io, { ...spec(examine, { numRuns: 3 }), examples: [1, 2] });
    expect(seen.slice(0, 2)).toEqual([1, 2]);
  });

  test('no runs or no budget: interrupted, nothing sent', async () => {
    const io = fakeIO({ budget: 0 });
    const { seen, examine } = examiner(io);
    expect(await runProperty(io, spec(examine))).toMatchObject({ runs: 0, interrupted: true });
    expect(await runProperty(fakeIO(), spec(examine, { numRuns: 0 }))).toMatchObject({ runs: 0, interrupted: true });
    expect(seen).toEqual([]);
  });

  test('an examination that throws is a failure with its message', async () => {
    const io = fakeIO();
    const evidence = await runProperty(io, spec(async () => { throw new Error('socket hang up'); }, { maxShrinks: 0 }));
    expect(evidence.failure?.message).toContain('socket hang up');
  });
});
