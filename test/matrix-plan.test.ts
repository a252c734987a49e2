/** How a matrix is planned: shards partition the work, budgets admit cells in order, and cells share one limit. */
import { describe, expect, test } from 'vitest';
import { runConformance } from '../src/engine/run.ts';
import { createSlotPool } from '../src/http/client.ts';
import type { TargetConfig } from '../src/matrix/config.ts';
import { admit, type Cell, cellOf, partsOf } from '../src/matrix/plan.ts';
import { startReference } from '../src/reference/server.ts';
import { DEFAULT_REASONING_MODELS, limitsFor, parseShard } from '../src/run/options.ts';

const target = (name: string, extra: Partial<TargetConfig> = {}): TargetConfig => ({
  name,
  endpoint: { kind: 'embedded' },
  headers: {},
  models: [],
  profile: 'documented',
  depth: 'standard',
  seed: 1,
  only: [],
  skip: [],
  timeoutMs: 60_000,
  deterministic: false,
  ...extra,
});

const everyShard = (cells: Cell[], count: number) => Array.from({ length: count }, (_, i) => partsOf(cells, { index: i + 1, count }));

describe('shards', () => {
  test('i/n reads only with 1 ≤ i ≤ n', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/2', '0/2', '1/0', '1', 'a/b', '-1/2']) expect(parseShard(bad), bad).toBeUndefined();
  });

  test('whole cells while there are enough; every cell runs exactly once', () => {
    const cells = ['a', 'b', 'c', 'd', 'e'].map((n) => cellOf(target(n), 'm'));
    const shards = everyShard(cells, 3);
    expect(shards.flat().every((p) => p.whole)).toBe(true);
    expect(
      shards
        .flat()
        .map((p) => p.cell.key)
        .sort(),
    ).toEqual(cells.map((c) => c.key).sort());
    expect(shards.every((parts) => parts.length > 0)).toBe(true);
  });

  test('with fewer cells than shards, the areas of each cell are spread, each area once', () => {
    const cells = [cellOf(target('a'), 'm'), cellOf(target('b', { only: ['usage', 'schema'] }), 'm')];
    const shards = everyShard(cells, 4);
    for (const cell of cells) {
      const areas = shards
        .flat()
        .filter((p) => p.cell.key === cell.key)
        .flatMap((p) => p.areas);
      expect(areas.sort()).toEqual([...cell.areas].sort());
    }
    expect(shards.every((parts) => parts.length > 0)).toBe(true);
    // The same plan on every machine.
    expect(everyShard(cells, 4)).toEqual(shards);
  });
});

test('a target request budget admits its cells in model order while they fit', () => {
  const limited = target('gw', { depth: 'smoke', maxRequests: 45 });
  const cells = admit(['m1', 'm2', 'm3'].map((m) => cellOf(limited, m)));
  expect(cells.map((c) => c.refused === undefined)).toEqual([true, true, false]);
  expect(cells[2]?.refused).toMatch(/request budget of target gw \(45\)/);
});

test('runs given one slot pool never have more requests in flight together than it holds', async () => {
  const reference = await startReference({ port: 0, apiKey: 'sk-slots', gapMs: 2 });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, reference.inFlight())), 1);
  try {
    const slots = createSlotPool(2);
    const config = {
      target: reference.url,
      embedded: true,
      deterministic: true,
      model: 'reference-chat',
      reasoningModels: DEFAULT_REASONING_MODELS,
      apiKeyEnv: 'X',
      profile: 'documented' as const,
      depth: 'smoke' as const,
      seed: 1,
      concurrency: 8,
      limits: limitsFor(10_000, 1 << 20),
      only: ['streaming', 'usage', 'schema'],
      skip: [],
      headers: {},
      reportDir: '',
    };
    const runs = await Promise.all([1, 2, 3].map(() => runConformance(config, { apiKey: 'sk-slots', slots })));
    expect(runs.every((r) => r.requests > 0 && r.incomplete === undefined)).toBe(true);
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
  } finally {
    clearInterval(timer);
    await reference.close();
  }
});
