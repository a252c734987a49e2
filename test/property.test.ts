import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Examination } from '../src/checks/types.ts';
import type { Observation } from '../src/core/evidence.ts';
import { type PropertyRun, runProperty } from '../src/engine/property.ts';
import type { PropertySpec } from '../src/plans/probe.ts';
import { fakeObservation } from './support/evidence.ts';

/** A fake target: each case is "sent" (counted, recorded) and answered after a tick. */
function target(options: { budget?: number; seed?: number; replayPath?: string } = {}) {
  const state = { spent: 0, inFlight: 0, maxInFlight: 0, seen: [] as number[] };
  const send = async (value: number): Promise<Observation> => {
    state.spent += 1;
    state.seen.push(value);
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1));
    state.inFlight -= 1;
    return { ...fakeObservation({ status: 200, body: '{}' }), sent: { value } };
  };
  const run = (examine: (value: number) => Examination): PropertyRun => ({
    probe: 'test-probe',
    seed: options.seed ?? 4242,
    ...(options.replayPath !== undefined ? { replayPath: options.replayPath } : {}),
    remaining: () => (options.budget ?? Infinity) - state.spent,
    examine: (o) => examine(o.sent?.['value'] as number),
  });
  return { state, send, run };
}

/** Fails for every value of 10 or more. */
const below10 = (value: number): Examination =>
  value >= 10 ? { ok: false, message: `Received: ${value}\nDocumented: < 10` } : { ok: true };

const spec = (send: (v: number) => Promise<Observation>, extra: Partial<PropertySpec<number>> = {}): PropertySpec<number> => ({
  property: 'params.valid-accepted',
  arbitrary: fc.integer({ min: 0, max: 1000 }),
  runs: 50,
  shrinks: 10,
  send,
  ...extra,
});

describe('runProperty', () => {
  test('the generated cases go out side by side, and a property that holds passes every run', async () => {
    const { state, send, run } = target();
    const evidence = await runProperty(
      spec(send, { runs: 12 }),
      run(() => ({ ok: true })),
    );
    expect(evidence).toMatchObject({ kind: 'property', probe: 'test-probe', property: 'params.valid-accepted', runs: 12 });
    expect(evidence.failure).toBeUndefined();
    expect(evidence.interrupted).toBeUndefined();
    expect(state.spent).toBe(12);
    expect(state.maxInFlight).toBe(12);
  });

  test('the cases sent are the ones fast-check generates for the seed, in its order', async () => {
    const { state, send, run } = target({ seed: 99 });
    await runProperty(
      spec(send, { runs: 20 }),
      run(() => ({ ok: true })),
    );
    const sequential: number[] = [];
    fc.check(
      fc.property(fc.integer({ min: 0, max: 1000 }), (v) => {
        sequential.push(v);
        return true;
      }),
      { numRuns: 20, seed: 99 },
    );
    expect(state.seen).toEqual(sequential);
  });

  test('a failing case yields the seed, the replay path and the shrunk counterexample; shrinking goes one at a time', async () => {
    const { state, send, run } = target();
    const evidence = await runProperty(spec(send, { shrinks: 100 }), run(below10));
    expect(evidence.failure).toMatchObject({ seed: 4242, counterexample: 10, message: 'Received: 10\nDocumented: < 10' });
    expect(evidence.failure?.path).toMatch(/^\d+(:\d+)*$/);
    expect(state.spent).toBeGreaterThan(50);
  });

  test('replaying with that seed and path reproduces the counterexample', async () => {
    const first = target();
    const failed = await runProperty(spec(first.send, { shrinks: 4 }), first.run(below10));
    const { seed, path, counterexample } = failed.failure!;

    const replay = target({ seed, replayPath: path });
    const again = await runProperty(spec(replay.send, { shrinks: 4 }), replay.run(below10));
    expect(replay.state.seen[0]).toEqual(counterexample);
    expect(again.failure?.counterexample).toEqual(counterexample);
  });

  test('shrinking stops at the cap; the last value that really failed stays the counterexample', async () => {
    const { state, send, run } = target();
    const evidence = await runProperty(spec(send, { shrinks: 3 }), run(below10));
    expect(state.spent).toBeLessThanOrEqual(50 + 3);
    const failing = state.seen.filter((v) => v >= 10);
    expect(failing).toContain(evidence.failure?.counterexample);
    expect(evidence.failure?.counterexample).toBe(failing.slice(-4).reduce((a, b) => Math.min(a, b)));
  });

  test('the allowance bounds the cases and the shrinking', async () => {
    const { state, send, run } = target({ budget: 7 });
    const evidence = await runProperty(
      spec(send, { runs: 20 }),
      run(() => ({ ok: true })),
    );
    expect(state.spent).toBe(7);
    expect(evidence.runs).toBe(7);
    const tight = target({ budget: 60 });
    const failed = await runProperty(spec(tight.send, { runs: 50, shrinks: 1000 }), tight.run(below10));
    expect(tight.state.spent).toBeLessThanOrEqual(60);
    expect(failed.failure?.counterexample).toBeGreaterThanOrEqual(10);
  });

  test('examples are sent first', async () => {
    const { state, send, run } = target();
    await runProperty(
      spec(send, { runs: 3, examples: [1, 2] }),
      run(() => ({ ok: true })),
    );
    expect(state.seen.slice(0, 2)).toEqual([1, 2]);
  });

  test('no runs or no allowance: interrupted, nothing sent', async () => {
    const none = target({ budget: 0 });
    expect(await runProperty(spec(none.send), none.run(below10))).toMatchObject({ runs: 0, interrupted: true });
    const zero = target();
    expect(await runProperty(spec(zero.send, { runs: 0 }), zero.run(below10))).toMatchObject({ runs: 0, interrupted: true });
    expect([...none.state.seen, ...zero.state.seen]).toEqual([]);
  });

  test('a case that cannot be judged is counted apart and is never a counterexample', async () => {
    const { send, run } = target();
    const evidence = await runProperty(
      spec(send, { runs: 10 }),
      run(() => ({ ok: 'unjudged', reason: 'rate-limited (HTTP 429)' })),
    );
    expect(evidence.failure).toBeUndefined();
    expect(evidence.unjudged).toEqual({ count: 10, reason: 'rate-limited (HTTP 429)' });
  });

  test('a send that throws is a failure with its message', async () => {
    const { run } = target();
    const evidence = await runProperty(
      spec(() => Promise.reject(new Error('socket hang up')), { shrinks: 0 }),
      run(below10),
    );
    expect(evidence.failure?.message).toContain('socket hang up');
  });
});
