import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { usagePlan } from '../src/plans/usage.ts';

conformanceSuite(usagePlan);
