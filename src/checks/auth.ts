/**
 * Authentication: the documents require `Authorization: Bearer {{API 秘钥}}` (000); the 401 status and the error
 * object are the OpenAI convention. Probes tag their requests `auth:none` (no header) or `auth:bogus` (a wrong key).
 */

import type { Observation, Outcome } from '../core/evidence.ts';
import { judgeRefusal } from './answers.ts';
import { envelopeOutcomes } from './errors.ts';
import { hasTag, runObservations, statusOf } from './guards.ts';
import { defineCheck } from './types.ts';

const DOC = '000_96bde8db4d236014.txt';

const refusedWith401 = (observation: Observation, what: string): Outcome[] =>
  judgeRefusal(observation, {
    wanted: (status) => status === 401,
    tolerated: (status) => status === 403,
    served: 'served',
    sent: `a request with ${what}`,
    documented: 'the Authorization header is required (Bearer key); a request without a valid key gets 401',
  });

const missingKey = defineCheck({
  id: 'auth.missing-key',
  area: 'auth',
  severity: 'critical',
  rule: 'Authorization (Bearer key) is required; a request without it is refused with 401',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'auth:none')) return [];
    return refusedWith401(evidence, 'no Authorization header');
  },
});

const invalidKey = defineCheck({
  id: 'auth.invalid-key',
  area: 'auth',
  severity: 'critical',
  rule: 'a bearer token that is not a valid API key is refused with 401',
  source: DOC,
  run(evidence) {
    if (evidence.kind !== 'observation' || !hasTag(evidence, 'auth:bogus')) return [];
    return refusedWith401(evidence, 'a bogus key');
  },
});

const errorEnvelope = defineCheck({
  id: 'auth.error-envelope',
  area: 'auth',
  severity: 'medium',
  rule: 'every 401 body carries {"error":{"message"}} with a non-empty message (the envelope errors.envelope asks of other 4xx)',
  source: 'OpenAI convention (assumed)',
  scope: 'run',
  // Every 401 of the run is judged here, and only here: errors.envelope leaves them out.
  run: (evidence) => runObservations(evidence).flatMap((o) => (statusOf(o) === 401 ? envelopeOutcomes(o) : [])),
});

export const authChecks = [missingKey, invalidKey, errorEnvelope] as const;
