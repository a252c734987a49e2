/** The probe plan of every area, in the order a run plans them. */
import { authPlan } from './auth.ts';
import { clientsPlan } from './clients.ts';
import { errorsPlan } from './errors.ts';
import { logprobsPlan } from './logprobs.ts';
import { paramsPlan } from './params.ts';
import type { Plan } from './probe.ts';
import { proxyPlan } from './proxy.ts';
import { reasoningPlan } from './reasoning.ts';
import { schemaPlan } from './schema.ts';
import { semanticsPlan } from './semantics.ts';
import { streamingPlan } from './streaming.ts';
import { structuredOutputPlan } from './structured-output.ts';
import { toolsPlan } from './tools.ts';
import { transportPlan } from './transport.ts';
import { usagePlan } from './usage.ts';

export const plans: readonly Plan[] = [
  schemaPlan,
  streamingPlan,
  usagePlan,
  transportPlan,
  paramsPlan,
  semanticsPlan,
  errorsPlan,
  authPlan,
  logprobsPlan,
  toolsPlan,
  structuredOutputPlan,
  reasoningPlan,
  clientsPlan,
  proxyPlan,
];
