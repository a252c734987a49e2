/**
 * Authentication: the documents require `Authorization: Bearer {{API 秘钥}}` (000); the 401 status and the error
 * object are the OpenAI convention. Probes tag their requests `auth:none` (no header) or `auth:bogus` (a wrong key).
 */
import { judgeRefusal } from './answers.ts';
import { contentTypeOf, errorBody, hasTag, statusOf } from './guards.ts';
import { fail, pass, receivedDocumented } from './outcome.ts';
import { defineCheck } from './types.ts';
import { isJsonContentType } from '../core/media-type.ts';
import type { Observation, Outcome } from '../core/evidence.ts';

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
  rule: '401 bodies are application/json carrying {"error":{"message",…}}',
  source: 'OpenAI convention (assumed)',
  run(evidence) {
    if (evidence.kind !== 'observation' || statusOf(evidence) !== 401) return [];
    const outcomes: Outcome[] = [];
    const contentType = contentTypeOf(evidence);
    if (!isJsonContentType(contentType)) {
      outcomes.push(
        fail(
          'content-type',
          receivedDocumented(`401 with Content-Type ${contentType || '(none)'}`, 'application/json error object'),
        ),
      );
    }
    const error = errorBody(evidence);
    if (!error) {
      const body = evidence.json === undefined ? 'a body that is not JSON' : 'JSON without an "error" object';
      outcomes.push(fail('no-error-object', receivedDocumented(`401 with ${body}`, '{"error":{"message",…}}'), { path: '/error' }));
    } else if (typeof error.message !== 'string' || error.message === '') {
      outcomes.push(
        fail('message', receivedDocumented('401 error without a message string', 'error.message is a non-empty string'), {
          path: '/error/message',
        }),
      );
    }
    return outcomes.length ? outcomes : [pass];
  },
});

export const authChecks = [missingKey, invalidKey, errorEnvelope] as const;
