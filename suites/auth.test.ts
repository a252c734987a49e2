import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { authPlan } from '../src/plans/auth.ts';

conformanceSuite(authPlan);
