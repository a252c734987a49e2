import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { paramsPlan } from '../src/plans/params.ts';

conformanceSuite(paramsPlan);
