/**
 * Probes for transport: ordinary requests whose exchanges every transport check judges (as they judge every other
 * exchange of the run). A plain answer at every depth, a stream from standard depth, and a longer stream and two
 * choices at deep depth.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Plan } from './probe.ts';
import { ask, single } from './requests.ts';

const TRANSPORT_CHECKS: CheckId[] = [
  'transport.headers-timely',
  'transport.stream-progress',
  'transport.bounded-duration',
  'transport.complete-body',
  'transport.body-size',
  'transport.valid-utf8',
  'transport.content-encoding',
  'transport.not-rate-limited',
];

const hello: ChatRequestBody = { messages: ask('Say hello in one short sentence.'), max_tokens: CHEAP_MAX_TOKENS };
const counting: ChatRequestBody = { messages: ask('Count from 1 to 20.'), max_tokens: CHEAP_MAX_TOKENS };

export const transportPlan: Plan = {
  area: 'transport',
  probes: [
    single('transport-plain', 'a plain answer', 'smoke', TRANSPORT_CHECKS, hello),
    single('transport-stream', 'a streamed answer', 'standard', TRANSPORT_CHECKS, { ...hello, stream: true }),
    single('transport-stream-long', 'a longer stream', 'deep', TRANSPORT_CHECKS, { ...counting, stream: true }),
    single('transport-n2', 'two choices', 'deep', TRANSPORT_CHECKS, { ...hello, n: 2 }, ['n=2']),
  ],
};
