import { conformanceSuite } from '../src/vitest/suite.ts';

conformanceSuite('clients');
