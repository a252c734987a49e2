/**
 * Every named behaviour of the reference provider: faults that each break one rule (and name the
 * check ids that must fail against them), legal variants, and readings (variants legal under another reading of
 * the documents, naming the checks that see them). Names are unique.
 */
import type { Behaviour } from './behaviour.ts';
import { authFaults } from './faults/auth.ts';
import { clientsFaults } from './faults/clients.ts';
import { errorFaults } from './faults/errors.ts';
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
import { readings } from './readings.ts';
import { variants } from './variants.ts';

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
    ...clientsFaults,
    ...variants,
    ...readings,
  ];
  const seen = new Set<string>();
  for (const behaviour of all) {
    if (seen.has(behaviour.name)) throw new Error(`duplicate reference behaviour name: ${behaviour.name}`);
    seen.add(behaviour.name);
  }
  return Object.freeze(all);
}

export const behaviours: readonly Behaviour[] = assemble();

export function findBehaviour(name: string, from: readonly Behaviour[] = behaviours): Behaviour | undefined {
  return from.find((b) => b.name === name);
}
