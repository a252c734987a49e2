/**
 * Real clients: the official `openai` SDK and the Vercel AI SDK make their usual calls against the target, through
 * the run's own client (see `ProbeIO.fetcher`), so each call is recorded beside what the library made of it. The
 * official SDK sends; its answer is replayed, byte for byte and read for read, to the AI SDK, so both libraries read
 * the same answer for one request. Cancelling a stream needs a live connection: both libraries cancel their own,
 * then, a moment later, a cancelled conversation is asked again. At smoke depth only the stream with usage is sent:
 * stream reading is where client libraries break first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CheckId } from '../checks/registry.ts';
import type { ClientEvidence, Evidence, Observation } from '../core/evidence.ts';
import { CHEAP_MAX_TOKENS } from '../core/limits.ts';
import type { Depth } from '../core/vocabulary.ts';
import { aiSdkDriver } from './clients/ai-sdk.ts';
import type { Ask, CallKind, ClientDriver } from './clients/ask.ts';
import { openaiDriver } from './clients/openai.ts';
import type { CallResult } from './clients/outcome.ts';
import type { FetchOptions, Plan, Probe, ProbeIO } from './probe.ts';
import { PLANET_SCHEMA } from './structured-output.ts';
import { WEATHER_TOOL } from './tools.ts';

/** A model id no provider serves. */
const UNKNOWN_MODEL = 'chat-conformance/no-such-model-7f3a';
/** Not a key anyone issues. */
const BOGUS_KEY = 'sk-chat-conformance-invalid-key';

const ask = (text: string): Ask['messages'] => [{ role: 'user', content: text }];

const counting: Ask = { messages: ask('Count from 1 to 20.'), maxTokens: CHEAP_MAX_TOKENS };

const weather: Ask = {
  messages: ask('What is the weather in Paris? Use the get_weather tool.'),
  maxTokens: 64,
  tool: {
    name: WEATHER_TOOL.function.name,
    description: WEATHER_TOOL.function.description ?? '',
    parameters: WEATHER_TOOL.function.parameters ?? {},
  },
};

const planet: Ask = {
  messages: [
    { role: 'system', content: 'Reply with a single JSON object and nothing else.' },
    { role: 'user', content: 'Describe the planet Saturn as JSON with the keys "name" and "moons" (a number).' },
  ],
  maxTokens: 96,
  schema: { name: 'planet', schema: PLANET_SCHEMA },
};

/**
 * How long after a cancel the conversation is asked again: a person's stop-then-retry, and time for the target to
 * learn of the hang-up, which reaches it after the client has moved on.
 */
const RETRY_AFTER_CANCEL_MS = 250;

/**
 * Conversations only the cancel probe has, long enough to cancel mid-way: one per library, so one library's cancel
 * cannot change what the other's request meets.
 */
const stories: ReadonlyMap<ClientDriver, Ask> = new Map([
  [openaiDriver, { messages: ask('Tell a short story about a lighthouse keeper and a storm.'), maxTokens: 48 }],
  [aiSdkDriver, { messages: ask('Tell a short story about a lighthouse keeper and the fog.'), maxTokens: 48 }],
]);

function evidence(
  driver: ClientDriver,
  kind: CallKind,
  probe: string,
  tags: string[],
  observations: Observation[],
  result: CallResult,
  replayed = false,
): ClientEvidence {
  return {
    kind: 'client',
    probe,
    tags,
    library: driver.library,
    version: driver.version,
    call: driver.names[kind],
    replayed,
    observations,
    ...result,
  };
}

/** The official SDK sends the request; the AI SDK reads the answer it got. */
async function sendAndReplay(
  io: ProbeIO,
  probe: string,
  kind: Exclude<CallKind, 'cancel'>,
  question: Ask,
  options: FetchOptions = {},
): Promise<ClientEvidence[]> {
  const tags = options.tags ?? [];
  // The whole answer is kept even when the official SDK gives up on it, for the AI SDK to read and the checks to judge.
  const wire = io.fetcher(probe, { ...options, keepReading: true });
  const sent = await openaiDriver[kind](wire.fetch, io.config, question);
  const observations = await wire.settled();
  const answer = observations[0];
  const read = answer
    ? await aiSdkDriver[kind](io.replay(answer), io.config, question)
    : { threw: { name: 'Error', message: 'the official SDK sent nothing, so there was no answer to replay' } };
  return [
    evidence(openaiDriver, kind, probe, tags, observations, sent),
    evidence(aiSdkDriver, kind, probe, tags, answer ? [answer] : [], read, true),
  ];
}

const oneAsk = (
  id: string,
  title: string,
  feeds: readonly CheckId[],
  kind: Exclude<CallKind, 'cancel'>,
  question: Ask,
  tags: string[],
  from: Depth = 'standard',
): Probe => ({
  id,
  title,
  from,
  feeds,
  requests: () => 1,
  run: (io) => sendAndReplay(io, id, kind, question, { tags }),
});

/** Each mistake on a connection of its own, so whatever a rejection does to a connection stays there. */
const mistakes: Array<{ tags: string[]; question: Ask; auth?: FetchOptions['auth'] }> = [
  { tags: ['invalid', 'expect:400'], question: { ...counting, override: { messages: 'Say OK.' } } },
  { tags: ['auth:bogus', 'expect:401'], question: counting, auth: { kind: 'bearer', token: BOGUS_KEY } },
  { tags: ['unknown-model', 'expect:404'], question: { ...counting, override: { model: UNKNOWN_MODEL } } },
];

const errorsProbe: Probe = {
  id: 'clients-errors',
  title: 'a malformed request, a bogus key and an unknown model',
  from: 'standard',
  feeds: ['clients.typed-errors'],
  requests: () => mistakes.length,
  async run(io) {
    const each = mistakes.map(({ tags, question, auth }) =>
      sendAndReplay(io, 'clients-errors', 'complete', question, { tags, connection: true, ...(auth ? { auth } : {}) }),
    );
    return (await Promise.all(each)).flat();
  },
};

/** The library cancelled its stream after the first text, and that cut the exchange. */
const cutByCancel = (e: ClientEvidence): boolean => {
  const exchange = e.observations[0]?.exchange;
  return e.returned?.['cancelled'] === true && exchange?.error?.code === 'aborted' && !exchange.unsent;
};

const cancelProbe: Probe = {
  id: 'clients-cancel',
  title: 'a stream cancelled mid-way by each library, then the same conversation again',
  from: 'standard',
  feeds: ['clients.cancel-mid-stream'],
  requests: () => 3,
  async run(io) {
    const id = 'clients-cancel';
    const cancels = await Promise.all(
      [...stories].map(async ([driver, story]) => {
        const wire = io.fetcher(id, { tags: ['cancel'] });
        const result = await driver.cancel(wire.fetch, io.config, story);
        return { story, evidence: evidence(driver, 'cancel', id, ['cancel'], await wire.settled(), result) };
      }),
    );
    const cut = cancels.find((c) => cutByCancel(c.evidence));
    const cancelled = cancels.map((c) => c.evidence);
    if (!cut) return cancelled;
    await sleep(RETRY_AFTER_CANCEL_MS);
    const wire = io.fetcher(id, { tags: ['after-cancel'] });
    const again = await openaiDriver.complete(wire.fetch, io.config, { ...cut.story, maxTokens: CHEAP_MAX_TOKENS });
    const after: Evidence = evidence(openaiDriver, 'complete', id, ['after-cancel'], await wire.settled(), again);
    return [...cancelled, after];
  },
};

export const clientsPlan: Plan = {
  area: 'clients',
  probes: [
    oneAsk('clients-complete', 'a completion', ['clients.nonstream-parse'], 'complete', counting, ['completion']),
    oneAsk(
      'clients-stream',
      'a stream with usage',
      ['clients.stream-assembly', 'clients.stream-usage'],
      'assemble',
      { ...counting, usage: true },
      ['stream', 'include-usage'],
      'smoke',
    ),
    oneAsk('clients-tool-stream', 'a streamed tool call', ['clients.tool-call-assembly'], 'assemble', weather, ['tool-stream']),
    oneAsk('clients-structured', 'structured output through the parse helpers', ['clients.structured-output'], 'parse', planet, [
      'structured',
    ]),
    errorsProbe,
    cancelProbe,
  ],
};
