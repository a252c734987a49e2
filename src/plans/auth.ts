/**
 * Authentication: no Authorization header at every depth; from standard depth a bogus bearer key and a scheme
 * other than Bearer; at deep depth a bogus key with a lower-case scheme and an empty bearer token.
 */
import type { Plan, Probe, ProbeIO, SendChat } from '../engine/probe.ts';
import { probe } from './requests.ts';
import type { Depth } from '../core/vocabulary.ts';

const HELLO = { messages: [{ role: 'user', content: 'Say OK.' }], max_tokens: 4 };

/** Not a key of any provider: long enough to pass format checks, marked so logs show where it came from. */
const BOGUS_KEY = 'sk-chat-conformance-invalid-0000000000000000';

function attempt(id: string, title: string, from: Depth, feeds: string[], auth: SendChat['auth'], tag: string): Probe {
  const send = async (io: ProbeIO) => [await io.chat(id, { body: HELLO, auth, tags: [tag] })];
  return probe({ id, title, from, feeds: [...feeds, 'auth.error-envelope'], requests: 1, send });
}

const MISSING = ['auth.missing-key'];
const INVALID = ['auth.invalid-key'];

export const authPlan: Plan = {
  area: 'auth',
  probes: [
    attempt('auth-missing-key', 'no Authorization header', 'smoke', MISSING, { kind: 'none' }, 'auth:none'),
    attempt('auth-invalid-key', 'a bogus bearer key', 'standard', INVALID, { kind: 'bearer', token: BOGUS_KEY }, 'auth:bogus'),
    attempt('auth-basic-scheme', 'Basic credentials instead of a bearer key', 'standard', INVALID, { kind: 'raw', value: 'Basic Y2hhdDpjb25mb3JtYW5jZQ==' }, 'auth:bogus'),
    attempt('auth-lowercase-bogus', 'a bogus key with a lower-case scheme', 'deep', INVALID, { kind: 'raw', value: `bearer ${BOGUS_KEY}` }, 'auth:bogus'),
    attempt('auth-empty-bearer', 'an empty bearer token', 'deep', MISSING, { kind: 'raw', value: 'Bearer ' }, 'auth:none'),
  ],
};
