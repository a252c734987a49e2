/** Faults in bearer authentication (000_96bde8db4d236014.txt: "Authorization: Bearer {{API 秘钥}}"). */
import type { ErrorResponse } from '../../contract/types.ts';
import { bearerMatches } from '../bearer.ts';
import type { Behaviour } from '../behaviour.ts';
import { withHeader } from '../headers.ts';
import { offContract } from '../off-contract.ts';

const ANY_BEARER = /^\s*bearer\s+\S+\s*$/i;

export const authFaults: readonly Behaviour[] = [
  {
    name: 'no-auth',
    kind: 'fault',
    description: 'Requests without an Authorization header are served; a wrong key is still refused.',
    detectedBy: ['auth.missing-key'],
    authenticate: (authorization, expected) =>
      authorization === undefined || authorization.trim() === '' || bearerMatches(authorization, expected),
  },
  {
    name: 'any-key',
    kind: 'fault',
    description: 'Any bearer token is accepted; a missing header is still refused.',
    detectedBy: ['auth.invalid-key'],
    authenticate: (authorization) => authorization !== undefined && ANY_BEARER.test(authorization),
  },
  {
    name: 'auth-plain-text',
    kind: 'fault',
    description: '401 bodies are plain text instead of the JSON error object.',
    detectedBy: ['auth.error-envelope', 'clients.typed-errors'],
    error: (reply) =>
      reply.status === 401
        ? {
            status: 401,
            body: offContract<ErrorResponse>('Unauthorized: invalid or missing API key'),
            headers: withHeader(reply.headers ?? {}, 'Content-Type', 'text/plain; charset=utf-8'),
          }
        : reply,
  },
];
