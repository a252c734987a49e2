import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { toolsPlan } from '../src/plans/tools.ts';

conformanceSuite(toolsPlan);
