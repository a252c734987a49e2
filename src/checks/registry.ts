/**
 * The one table of checks. Suites, reports, the README's check list and the self-verification matrix all read it.
 */
import { AREAS } from '../core/vocabulary.ts';
import { authChecks } from './auth.ts';
import { clientsChecks } from './clients.ts';
import { errorsChecks } from './errors.ts';
import { logprobsChecks } from './logprobs.ts';
import { paramsChecks } from './params.ts';
import { proxyChecks } from './proxy.ts';
import { reasoningChecks } from './reasoning.ts';
import { schemaChecks } from './schema.ts';
import { semanticsChecks } from './semantics.ts';
import { streamingChecks } from './streaming.ts';
import { structuredOutputChecks } from './structured-output.ts';
import { toolsChecks } from './tools.ts';
import { transportChecks } from './transport.ts';
import type { Check } from './types.ts';
import { usageChecks } from './usage.ts';

const declared = [
  ...schemaChecks,
  ...streamingChecks,
  ...usageChecks,
  ...transportChecks,
  ...paramsChecks,
  ...semanticsChecks,
  ...errorsChecks,
  ...authChecks,
  ...logprobsChecks,
  ...toolsChecks,
  ...structuredOutputChecks,
  ...reasoningChecks,
  ...clientsChecks,
  ...proxyChecks,
] as const;

/** The id of a registered check: a typo in a probe's `feeds` or a fault's `detectedBy` fails the type check. */
export type CheckId = (typeof declared)[number]['id'];

export type RegisteredCheck = Check<CheckId>;

const ID_SHAPE = /^[a-z-]+\.[a-z0-9-]+$/;

function buildRegistry(all: readonly RegisteredCheck[]): readonly RegisteredCheck[] {
  const seen = new Set<string>();
  for (const check of all) {
    if (seen.has(check.id)) throw new Error(`duplicate check id ${check.id}`);
    if (!ID_SHAPE.test(check.id) || !check.id.startsWith(`${check.area}.`)) {
      throw new Error(`check id ${check.id} must read <area>.<rule-name> with area ${check.area}`);
    }
    seen.add(check.id);
  }
  return [...all].sort((a, b) => AREAS.indexOf(a.area) - AREAS.indexOf(b.area) || a.id.localeCompare(b.id));
}

export const checks: readonly RegisteredCheck[] = buildRegistry(declared);

const byId: ReadonlyMap<string, RegisteredCheck> = new Map(checks.map((c) => [c.id, c]));

export function findCheck(id: string): RegisteredCheck | undefined {
  return byId.get(id);
}

/** Whether `--only`/`--skip` (areas or check ids) let this check run. */
export function isSelected(check: Check, only: readonly string[], skip: readonly string[]): boolean {
  const named = (list: readonly string[]) => list.includes(check.id) || list.includes(check.area);
  return (only.length === 0 || named(only)) && !named(skip);
}
