/**
 * Every named behaviour of the reference provider: faults that each break one rule (and name the
 * check ids that must fail against them), and legal variants. Names are unique.
 */
import type { Behaviour } from './behaviour.ts';
import { authFaults } from './faults/auth.ts';
import { createWedgeAfterInvalid, errorFaults } from './faults/errors.ts';
import { logprobsFaults } from './faults/logprobs.ts';
import { paramsFaults } from './faults/params.ts';
import { reasoningFaults } from './faults/reasoning.ts';
import { schemaFaults } from './faults/schema.ts';
import { semanticsFaults } from './faults/semantics.ts';
import { streamingFaults } from './faults/streaming.ts';
import { structuredOutputFaults } from './faults/structured-output.ts';
import { toolsFaults } from './faults/tools.ts';
import { transportFaults } from './faults/transport.ts';
import { usageFaults } from './faults/usage.ts';
import { variants } from './variants.ts';

/** Behaviours that keep state between requests, and how to make a fresh one. */
const STATEFUL: Readonly<Record<string, () => Behaviour>> = {
  'wedge-after-invalid': createWedgeAfterInvalid,
};

function assemble(): readonly Behaviour[] {
  const all = [
    ...streamingFaults,
    ...usageFaults,
    ...schemaFaults,
    ...semanticsFaults,
    ...paramsFaults,
    ...errorFaults,
    ...authFaults,
    ...logprobsFaults,
    ...toolsFaults,
    ...structuredOutputFaults,
    ...reasoningFaults,
    ...transportFaults,
    ...variants,
  ].map((behaviour) => STATEFUL[behaviour.name]?.() ?? behaviour);
  const seen = new Set<string>();
  for (const behaviour of all) {
    if (seen.has(behaviour.name)) throw new Error(`duplicate reference behaviour name: ${behaviour.name}`);
    seen.add(behaviour.name);
  }
  return Object.freeze(all);
}

/**
 * A catalogue with its own state: a server that owns one keeps the per-server state of stateful
 * faults (wedge-after-invalid) apart from every other server in the process.
 */
export function createBehaviours(): readonly Behaviour[] {
  return assemble();
}

/** The shared catalogue. */
export const behaviours: readonly Behaviour[] = assemble();

export function findBehaviour(name: string, from: readonly Behaviour[] = behaviours): Behaviour | undefined {
  return from.find((b) => b.name === name);
}
