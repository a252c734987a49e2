import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { errorsPlan } from '../src/plans/errors.ts';

conformanceSuite(errorsPlan);
