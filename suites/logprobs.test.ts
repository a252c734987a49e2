import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { logprobsPlan } from '../src/plans/logprobs.ts';

conformanceSuite(logprobsPlan);
