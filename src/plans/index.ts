/** The probe plan of every area, in the order a run executes them. */
import type { Plan } from '../engine/probe.ts';
import { authPlan } from './auth.ts';
import { errorsPlan } from './errors.ts';
import { logprobsPlan } from './logprobs.ts';
import { paramsPlan } from './params.ts';
import { reasoningPlan } from './reasoning.ts';
import { schemaPlan } from './schema.ts';
import { semanticsPlan } from './semantics.ts';
import { streamingPlan } from './streaming.ts';
import { structuredOutputPlan } from './structured-output.ts';
import { toolsPlan } from './tools.ts';
import { transportPlan } from './transport.ts';
import { usagePlan } from './usage.ts';
import type { Area } from '../core/vocabulary.ts';

export const plans: Readonly<Record<Area, Plan>> = {
  schema: schemaPlan,
  streaming: streamingPlan,
  usage: usagePlan,
  transport: transportPlan,
  params: paramsPlan,
  semantics: semanticsPlan,
  errors: errorsPlan,
  auth: authPlan,
  logprobs: logprobsPlan,
  tools: toolsPlan,
  'structured-output': structuredOutputPlan,
  reasoning: reasoningPlan,
};
