/**
 * Which runs a matrix makes and which machine makes them: cells (target × model), admitted within each target's
 * request budget, then spread over shards. Whole cells are the unit while there are at least as many cells as
 * shards; with fewer, each cell's areas (the probes of each area) are. Units go to the least loaded shard, heaviest
 * first, by the requests their depth allows. Pure, so every shard computes the same plan.
 */
import { checks, isSelected } from '../checks/registry.ts';
import { AREAS, type Area } from '../core/vocabulary.ts';
import { AREA_BUDGET, runBudget } from '../engine/budget.ts';
import type { Shard } from '../run/options.ts';
import type { TargetConfig } from './config.ts';

export interface Cell {
  /** `target/model`, unique in the matrix. */
  key: string;
  target: TargetConfig;
  model: string;
  /** Areas the target's selection covers, in report order. */
  areas: Area[];
  /** Set when the cell is not run at all (its target's budget is spent, its models could not be listed). */
  refused?: string;
}

/** One run a shard makes: a whole cell, or the probes of some of its areas. */
export interface Part {
  cell: Cell;
  areas: Area[];
  whole: boolean;
}

export function selectedAreas(target: Pick<TargetConfig, 'only' | 'skip'>): Area[] {
  return AREAS.filter((area) => checks.some((c) => c.area === area && isSelected(c, target.only, target.skip)));
}

export function cellOf(target: TargetConfig, model: string, refused?: string): Cell {
  return { key: `${target.name}/${model}`, target, model, areas: selectedAreas(target), ...(refused ? { refused } : {}) };
}

/** The requests a cell may spend at most (preflight included). */
export const cellCost = (cell: Cell): number => runBudget(cell.target.depth, cell.areas);

/** Cells of a target with a request budget are admitted in model order while their costs fit. */
export function admit(cells: readonly Cell[]): Cell[] {
  const spent = new Map<string, number>();
  return cells.map((cell) => {
    const limit = cell.target.maxRequests;
    if (cell.refused || limit === undefined) return cell;
    const used = spent.get(cell.target.name) ?? 0;
    const cost = cellCost(cell);
    if (used + cost > limit) {
      return {
        ...cell,
        refused: `the request budget of target ${cell.target.name} (${limit}) has ${limit - used} requests left; this cell may need ${cost}`,
      };
    }
    spent.set(cell.target.name, used + cost);
    return cell;
  });
}

interface Unit {
  cell: number;
  areas: Area[];
  weight: number;
}

/** The parts shard `index` of `count` runs, in cell order. */
export type { Shard };

export function partsOf(cells: readonly Cell[], shard: Shard): Part[] {
  const runnable = cells.map((cell, i) => ({ cell, i })).filter(({ cell }) => !cell.refused && cell.areas.length > 0);
  const split = runnable.length < shard.count;
  const units: Unit[] = runnable.flatMap(({ cell, i }) =>
    split
      ? cell.areas.map((area) => ({ cell: i, areas: [area], weight: AREA_BUDGET[area][cell.target.depth] }))
      : [{ cell: i, areas: cell.areas, weight: cellCost(cell) }],
  );
  const load = Array.from({ length: shard.count }, () => 0);
  const mine = new Map<number, Area[]>();
  // Heaviest first, ties in plan order; each to the least loaded shard, ties to the lowest.
  const order = units.map((u, i) => ({ u, i })).sort((a, b) => b.u.weight - a.u.weight || a.i - b.i);
  for (const { u } of order) {
    const to = load.indexOf(Math.min(...load));
    load[to] = (load[to] ?? 0) + u.weight;
    if (to === shard.index - 1) mine.set(u.cell, [...(mine.get(u.cell) ?? []), ...u.areas]);
  }
  return [...mine.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, areas]) => {
      const cell = cells[i]!;
      const sorted = AREAS.filter((a) => areas.includes(a));
      return { cell, areas: sorted, whole: sorted.length === cell.areas.length };
    });
}
