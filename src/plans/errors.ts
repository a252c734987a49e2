/**
 * Deliberate client mistakes that every server refuses, whatever ranges it enforces (range enforcement is the params
 * area's): at smoke depth messages that are not a list and a malformed body; from standard depth an unknown model,
 * missing messages, missing model, a wrongly typed value and an invalid stream request, several of them followed by
 * a normal request on the same connection (health-after-reject); at deep depth an unknown role, a bad author name
 * and top_logprobs without logprobs. Each mistake goes on a connection of its own.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Comparison, Evidence, Observation } from '../core/evidence.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Plan, Probe, ProbeIO, SendChat } from './probe.ts';
import { ask } from './requests.ts';

const HELLO: ChatRequestBody = { messages: ask('Say OK.'), max_tokens: 4 };

/** A model id no provider serves. */
const UNKNOWN_MODEL = 'chat-conformance/no-such-model-7f3a';

const STATUS_CHECKS: CheckId[] = ['errors.client-error-status', 'errors.envelope', 'errors.param-named'];
const HEALTH: CheckId = 'errors.healthy-after-reject';

interface MistakeSpec {
  id: string;
  title: string;
  from: Depth;
  feeds: CheckId[];
  request: () => SendChat;
  /** Follow the mistake with a normal request on the same connection (from standard depth; smoke budgets have no room). */
  health?: boolean;
}

/** The mistake goes on a connection of its own; the follow-up, when there is one, reuses it. */
function mistake(spec: MistakeSpec): Probe {
  const healthAt = (depth: Depth) => spec.health === true && depth !== 'smoke';
  return {
    id: spec.id,
    title: spec.title,
    from: spec.from,
    feeds: spec.health ? [...spec.feeds, HEALTH] : spec.feeds,
    requests: (depth) => (healthAt(depth) ? 2 : 1),
    async run(io: ProbeIO): Promise<Evidence[]> {
      const rejected = await io.chat(spec.id, { ...spec.request(), connection: 'mistake' });
      if (!healthAt(io.config.depth)) return [rejected];
      return [rejected, await healthAfter(io, spec.id, rejected)];
    },
  };
}

async function healthAfter(io: ProbeIO, id: string, rejected: Observation): Promise<Comparison> {
  const after = await io.chat(`${id} (health)`, { body: HELLO, tags: ['health'], connection: 'mistake' });
  return {
    kind: 'comparison',
    probe: id,
    tags: [],
    relation: 'health-after-reject',
    a: rejected,
    b: after,
    deterministic: io.deterministic,
  };
}

const invalid = (param: string | undefined, defect: string, extra: string[] = []): string[] => [
  'invalid',
  `defect:${defect}`,
  ...(param ? [`param:${param}`] : []),
  ...extra,
];

export const errorsPlan: Plan = {
  area: 'errors',
  probes: [
    mistake({
      id: 'errors-messages-string',
      title: 'messages as a string',
      from: 'smoke',
      feeds: STATUS_CHECKS,
      health: true,
      request: () => ({ invalidBody: { ...HELLO, messages: 'Say OK.' }, tags: invalid('messages', 'wrong-type') }),
    }),
    mistake({
      id: 'errors-malformed-json',
      title: 'a body that is not JSON',
      from: 'smoke',
      feeds: ['errors.malformed-json', 'errors.client-error-status', 'errors.envelope'],
      health: true,
      request: () => ({
        rawBody: '{"messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 4',
        tags: invalid(undefined, 'malformed-json', ['malformed-json']),
      }),
    }),
    mistake({
      id: 'errors-unknown-model',
      title: 'a model the target does not serve',
      from: 'standard',
      feeds: ['errors.unknown-model', 'errors.envelope'],
      request: () => ({ body: { ...HELLO, model: UNKNOWN_MODEL }, tags: ['unknown-model'] }),
    }),
    mistake({
      id: 'errors-missing-messages',
      title: 'no messages',
      from: 'standard',
      feeds: STATUS_CHECKS,
      request: () => ({ invalidBody: { max_tokens: 4 }, tags: invalid('messages', 'missing-messages') }),
    }),
    mistake({
      id: 'errors-missing-model',
      title: 'no model',
      from: 'standard',
      feeds: STATUS_CHECKS,
      // Raw, so no model is filled in.
      request: () => ({ rawBody: JSON.stringify(HELLO), tags: invalid('model', 'missing-model') }),
    }),
    mistake({
      id: 'errors-wrong-type',
      title: 'temperature as a string',
      from: 'standard',
      feeds: STATUS_CHECKS,
      health: true,
      request: () => ({ invalidBody: { ...HELLO, temperature: 'hot' }, tags: invalid('temperature', 'wrong-type') }),
    }),
    mistake({
      id: 'errors-invalid-stream',
      title: 'a stream request without messages',
      from: 'standard',
      feeds: ['errors.pre-stream-rejection', ...STATUS_CHECKS],
      health: true,
      request: () => ({ invalidBody: { max_tokens: 4, stream: true }, tags: invalid('messages', 'missing-messages', ['stream']) }),
    }),
    mistake({
      id: 'errors-unknown-role',
      title: 'a message with an unknown role',
      from: 'deep',
      feeds: STATUS_CHECKS,
      request: () => ({
        invalidBody: { ...HELLO, messages: [{ role: 'robot', content: 'Say OK.' }] },
        tags: invalid('messages', 'unknown-role'),
      }),
    }),
    mistake({
      id: 'errors-bad-name',
      title: 'an author name outside the documented pattern',
      from: 'deep',
      feeds: STATUS_CHECKS,
      request: () => ({
        body: { ...HELLO, messages: [{ role: 'user', content: 'Say OK.', name: 'not a valid name!' }] },
        tags: invalid('messages', 'bad-name'),
      }),
    }),
    mistake({
      id: 'errors-top-logprobs-alone',
      title: 'top_logprobs without logprobs',
      from: 'deep',
      feeds: STATUS_CHECKS,
      health: true,
      request: () => ({ body: { ...HELLO, top_logprobs: 2 }, tags: invalid(undefined, 'top-logprobs-without-logprobs') }),
    }),
  ],
};
