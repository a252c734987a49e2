import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { structuredOutputPlan } from '../src/plans/structured-output.ts';

conformanceSuite(structuredOutputPlan);
