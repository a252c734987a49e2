import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { reasoningPlan } from '../src/plans/reasoning.ts';

conformanceSuite(reasoningPlan);
