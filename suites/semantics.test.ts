import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { semanticsPlan } from '../src/plans/semantics.ts';

conformanceSuite(semanticsPlan);
