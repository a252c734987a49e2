import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { transportPlan } from '../src/plans/transport.ts';

conformanceSuite(transportPlan);
