import { conformanceSuite } from '../src/engine/vitest-suite.ts';
import { streamingPlan } from '../src/plans/streaming.ts';

conformanceSuite(streamingPlan);
