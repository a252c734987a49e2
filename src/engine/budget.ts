/**
 * Requests each area may send, by depth. A fixed table (rather than one shared counter) keeps a run's cost
 * predictable and independent of the order or parallelism in which requests go out.
 * Against a paid API: smoke stays within 20 requests and standard within 150, preflight included.
 */
import type { Area, Depth } from '../core/vocabulary.ts';

export const AREA_BUDGET: Readonly<Record<Area, Readonly<Record<Depth, number>>>> = {
  schema: { smoke: 2, standard: 8, deep: 16 },
  streaming: { smoke: 3, standard: 10, deep: 20 },
  usage: { smoke: 1, standard: 8, deep: 16 },
  transport: { smoke: 1, standard: 2, deep: 4 },
  params: { smoke: 3, standard: 50, deep: 300 },
  semantics: { smoke: 1, standard: 12, deep: 20 },
  errors: { smoke: 2, standard: 11, deep: 20 },
  auth: { smoke: 1, standard: 4, deep: 6 },
  logprobs: { smoke: 1, standard: 4, deep: 8 },
  tools: { smoke: 1, standard: 6, deep: 12 },
  'structured-output': { smoke: 1, standard: 4, deep: 8 },
  reasoning: { smoke: 0, standard: 4, deep: 8 },
  // At smoke, one stream read by both SDKs: where client libraries break first.
  clients: { smoke: 1, standard: 10, deep: 10 },
  // Proxy runs only (`chat-conformance proxy`), which leave params out: see src/engine/proxy-selection.ts.
  proxy: { smoke: 2, standard: 24, deep: 40 },
};

/** Requests the run may spend before any area starts (GET /models, one plain request). */
export const PREFLIGHT_BUDGET = 2;

export function runBudget(depth: Depth, areas: readonly Area[]): number {
  return PREFLIGHT_BUDGET + areas.reduce((sum, area) => sum + AREA_BUDGET[area][depth], 0);
}
