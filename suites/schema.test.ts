import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { schemaPlan } from '../src/plans/schema.ts';

conformanceSuite(schemaPlan);
