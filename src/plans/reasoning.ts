/**
 * Reasoning switches, each sent to the model the documents name for it (io.config.reasoningModels): from standard
 * depth separate_reasoning true and false, and enable_thinking false and true; at deep depth GET /models first
 * (a model the target does not list is skipped with that reason) and a streamed request with each switch on.
 */
import { MODEL_ABSENT_TAG } from '../checks/reasoning.ts';
import type { Plan, Probe, ProbeIO } from '../engine/probe.ts';
import { ask } from './requests.ts';
import { asArray, dig } from '../core/json.ts';
import type { Evidence, Observation } from '../core/evidence.ts';
import type { Depth } from '../core/vocabulary.ts';

/** Reasoning comes before the answer; the limit leaves room for both to start. */
const ROOM = 64;
const question = { messages: ask('Is 91 a prime number? Answer briefly.'), max_tokens: ROOM };

type Switch = 'separate_reasoning' | 'enable_thinking';

/** The target's model ids, or undefined when GET /models does not give a usable list. */
function listedModels(observation: Observation): string[] | undefined {
  if (observation.exchange.response?.status !== 200) return undefined;
  const data = dig(observation.json, 'data');
  if (!Array.isArray(data)) return undefined;
  return asArray(data)
    .map((m) => dig(m, 'id'))
    .filter((id): id is string => typeof id === 'string');
}

/**
 * `on` first: a switch that should produce reasoning is the stronger test of support. `off` is the value that
 * must suppress it.
 */
function switchProbe(field: Switch, check: string, model: (io: ProbeIO) => string): Probe {
  const requests = (depth: Depth) => (depth === 'smoke' ? 0 : depth === 'standard' ? 2 : 4);
  return {
    id: `reasoning-${field.replace('_', '-')}`,
    title: `${field} on and off`,
    feeds: [check],
    cost: requests,
    async run(io) {
      const depth = io.config.depth;
      if (requests(depth) === 0 || io.remainingBudget() < 2) return [];
      const id = model(io);
      const evidence: Evidence[] = [];
      if (depth === 'deep') {
        const models = await io.get(`reasoning-${field} (models)`, '/models');
        const listed = listedModels(models);
        if (listed && !listed.includes(id)) {
          return [{ ...models, tags: [MODEL_ABSENT_TAG, `toggle:${field}`, `model:${id}`] }];
        }
      }
      const body = (value: boolean, stream = false) => ({ ...question, model: id, [field]: value, ...(stream ? { stream: true } : {}) });
      const label = `reasoning-${field}`;
      evidence.push(await io.chat(label, { body: body(true), tags: ['reasoning'] }));
      if (io.remainingBudget() > 0) evidence.push(await io.chat(label, { body: body(false), tags: ['reasoning'] }));
      if (depth === 'deep' && io.remainingBudget() > 0) {
        evidence.push(await io.chat(label, { body: body(field === 'separate_reasoning', true), tags: ['reasoning'] }));
      }
      return evidence;
    },
  };
}

export const reasoningPlan: Plan = {
  area: 'reasoning',
  probes: [
    switchProbe('separate_reasoning', 'reasoning.separate', (io) => io.config.reasoningModels.separateReasoning),
    switchProbe('enable_thinking', 'reasoning.thinking-toggle', (io) => io.config.reasoningModels.enableThinking),
  ],
};
