/**
 * Authentication: no Authorization header at every depth; from standard depth a bogus bearer key and a scheme
 * other than Bearer; at deep depth a bogus key with a lower-case scheme and an empty bearer token. Each goes on a
 * connection of its own, so a refusal cannot affect any other request.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Auth, Plan, Probe } from './probe.ts';
import { ask } from './requests.ts';

const HELLO: ChatRequestBody = { messages: ask('Say OK.'), max_tokens: 4 };

/** Not a key of any provider: long enough to pass format checks, marked so logs show where it came from. */
const BOGUS_KEY = 'sk-chat-conformance-invalid-0000000000000000';

const attempt = (id: string, title: string, from: Depth, feeds: CheckId[], auth: Auth, tag: string): Probe => ({
  id,
  title,
  from,
  feeds: [...feeds, 'auth.error-envelope'],
  requests: () => 1,
  run: async (io) => [await io.chat(id, { body: HELLO, auth, tags: [tag], connection: 'refused' })],
});

const MISSING: CheckId[] = ['auth.missing-key'];
const INVALID: CheckId[] = ['auth.invalid-key'];

export const authPlan: Plan = {
  area: 'auth',
  probes: [
    attempt('auth-missing-key', 'no Authorization header', 'smoke', MISSING, { kind: 'none' }, 'auth:none'),
    attempt('auth-invalid-key', 'a bogus bearer key', 'standard', INVALID, { kind: 'bearer', token: BOGUS_KEY }, 'auth:bogus'),
    attempt(
      'auth-basic-scheme',
      'Basic credentials instead of a bearer key',
      'standard',
      INVALID,
      { kind: 'raw', value: 'Basic Y2hhdDpjb25mb3JtYW5jZQ==' },
      'auth:bogus',
    ),
    attempt(
      'auth-lowercase-bogus',
      'a bogus key with a lower-case scheme',
      'deep',
      INVALID,
      { kind: 'raw', value: `bearer ${BOGUS_KEY}` },
      'auth:bogus',
    ),
    attempt('auth-empty-bearer', 'an empty bearer token', 'deep', MISSING, { kind: 'raw', value: 'Bearer ' }, 'auth:none'),
  ],
};
