/**
 * Reasoning switches, each sent to the model the documents name for it (config.reasoningModels): from standard
 * depth separate_reasoning true and false, and enable_thinking false and true; at deep depth GET /models first
 * (a model the target does not list is skipped with that reason) and a streamed request with each switch on.
 */

import { MODEL_ABSENT_TAG } from '../checks/reasoning.ts';
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Evidence, Observation } from '../core/evidence.ts';
import { asArray, dig } from '../core/json.ts';
import type { RunConfig } from '../core/run-config.ts';
import type { Plan, Probe } from './probe.ts';
import { ask } from './requests.ts';

/** Reasoning comes before the answer; the limit leaves room for both to start. */
const ROOM = 64;
const question: ChatRequestBody = { messages: ask('Is 91 a prime number? Answer briefly.'), max_tokens: ROOM };

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
 * must suppress it. The two go out side by side.
 */
function switchProbe(field: Switch, check: CheckId, model: (config: RunConfig) => string): Probe {
  const id = `reasoning-${field.replace('_', '-')}`;
  return {
    id,
    title: `${field} on and off`,
    from: 'standard',
    feeds: [check],
    requests: (depth) => (depth === 'deep' ? 4 : 2),
    async run(io) {
      const deep = io.config.depth === 'deep';
      const name = model(io.config);
      if (deep) {
        const models = await io.get(`${id} (models)`, '/models');
        const listed = listedModels(models);
        if (listed && !listed.includes(name)) return [{ ...models, tags: [MODEL_ABSENT_TAG, `toggle:${field}`, `model:${name}`] }];
      }
      const body = (value: boolean, stream = false): ChatRequestBody => ({
        ...question,
        model: name,
        [field]: value,
        ...(stream ? { stream: true } : {}),
      });
      const sends = [io.chat(id, { body: body(true), tags: ['reasoning'] }), io.chat(id, { body: body(false), tags: ['reasoning'] })];
      if (deep) sends.push(io.chat(id, { body: body(field === 'separate_reasoning', true), tags: ['reasoning'] }));
      const evidence: Evidence[] = await Promise.all(sends);
      return evidence;
    },
  };
}

export const reasoningPlan: Plan = {
  area: 'reasoning',
  probes: [
    switchProbe('separate_reasoning', 'reasoning.separate', (config) => config.reasoningModels.separateReasoning),
    switchProbe('enable_thinking', 'reasoning.thinking-toggle', (config) => config.reasoningModels.enableThinking),
  ],
};
