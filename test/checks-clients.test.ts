import { describe, expect, test } from 'vitest';
import { clientsChecks } from '../src/checks/clients.ts';
import type { ClientEvidence, ClientLibrary, Observation } from '../src/core/evidence.ts';
import { chunkSequence, completion, findingsOf, jsonObservation, runCheck, streamObservation, worstVerdict } from './support/chunks.ts';
import { fakeObservation } from './support/evidence.ts';

type Json = Record<string, unknown>;

function call(
  library: ClientLibrary,
  tags: string[],
  observation: Observation | undefined,
  result: Pick<ClientEvidence, 'returned' | 'threw'>,
): ClientEvidence {
  return {
    kind: 'client',
    probe: 'clients-test',
    tags,
    library,
    version: '0.0.0',
    call: library === 'openai' ? 'chat.completions.create' : 'generateText',
    replayed: library === 'ai-sdk',
    observations: observation ? [observation] : [],
    ...result,
  };
}

const verdict = (id: string, evidence: ClientEvidence) => worstVerdict(runCheck(clientsChecks, id, evidence));
const message = (id: string, evidence: ClientEvidence) => findingsOf(runCheck(clientsChecks, id, evidence))[0]?.message ?? '';

describe('clients.nonstream-parse', () => {
  const answer = jsonObservation(completion({ finishReason: 'tool_calls' }));
  const wire = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

  test('each library is held to its own way of exposing the answer', () => {
    const openai = { type: 'object', content: '1, 2, 3', role: 'assistant', finishReason: 'tool_calls', usage: wire };
    expect(verdict('clients.nonstream-parse', call('openai', ['completion'], answer, { returned: openai }))).toBe('pass');
    // The AI SDK names finish reasons its own way and derives the total itself.
    const aiSdk = { content: '1, 2, 3', finishReason: 'tool-calls', usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 } };
    expect(verdict('clients.nonstream-parse', call('ai-sdk', ['completion'], answer, { returned: aiSdk }))).toBe('pass');
  });

  test('a finish reason outside the AI SDK vocabulary is "other" there, not a failure', () => {
    const odd = jsonObservation(completion({ finishReason: 'eos_token' }));
    const returned = { content: '1, 2, 3', finishReason: 'other', usage: { inputTokens: 12, outputTokens: 5 } };
    expect(verdict('clients.nonstream-parse', call('ai-sdk', ['completion'], odd, { returned }))).toBe('pass');
  });

  test('a body the SDK returns as text, or throws on, fails with both sides in the message', () => {
    const text = call('openai', ['completion'], answer, { returned: { type: 'string', value: '{"id":…}' } });
    expect(message('clients.nonstream-parse', text)).toMatch(
      /the raw answer was HTTP 200.*openai 0\.0\.0 chat\.completions\.create returned a string instead of a completion object/s,
    );
    const threw = call('ai-sdk', ['completion'], answer, {
      threw: { name: 'APICallError', message: 'Invalid JSON response', status: 200 },
    });
    expect(message('clients.nonstream-parse', threw)).toMatch(/threw APICallError \(status 200\): "Invalid JSON response"/);
  });

  test('usage lost on the way fails; a refusal is left to clients.typed-errors', () => {
    const lost = call('openai', ['completion'], answer, {
      returned: { type: 'object', content: '1, 2, 3', role: 'assistant', finishReason: 'tool_calls', usage: null },
    });
    expect(message('clients.nonstream-parse', lost)).toMatch(/usage null where the wire says/);
    const refused = fakeObservation({ status: 400, body: JSON.stringify({ error: { message: 'bad' } }) });
    expect(
      verdict(
        'clients.nonstream-parse',
        call('openai', ['completion'], refused, { threw: { name: 'BadRequestError', message: '400 bad', status: 400 } }),
      ),
    ).toBe('skip');
  });
});

describe('clients.stream-assembly and clients.stream-usage', () => {
  const stream = streamObservation(chunkSequence({ includeUsage: true }), { sent: { stream_options: { include_usage: true } } });
  const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };

  test("the SDK's text must be the deltas joined, without an error on the way", () => {
    const ok = call('openai', ['stream', 'include-usage'], stream, { returned: { content: '1, 2, 3', usage } });
    expect(verdict('clients.stream-assembly', ok)).toBe('pass');
    const short = call('ai-sdk', ['stream', 'include-usage'], stream, {
      returned: { content: '1, 2', usage: { inputTokens: 12, outputTokens: 5 } },
    });
    expect(message('clients.stream-assembly', short)).toMatch(/deltas join to "1, 2, 3".*assembled "1, 2"/s);
    const threw = call('openai', ['stream', 'include-usage'], stream, {
      threw: { name: 'OpenAIError', message: 'missing role for choice 0' },
    });
    expect(message('clients.stream-assembly', threw)).toMatch(/threw OpenAIError: "missing role for choice 0" while reading it/);
  });

  test('usage the stream carried must reach the caller; a stream that failed is left to stream-assembly', () => {
    expect(
      verdict('clients.stream-usage', call('openai', ['stream', 'include-usage'], stream, { returned: { content: '1, 2, 3', usage } })),
    ).toBe('pass');
    const lost = call('openai', ['stream', 'include-usage'], stream, { returned: { content: '1, 2, 3', usage: null } });
    expect(message('clients.stream-usage', lost)).toMatch(/usage chunk says \{"prompt_tokens":12.*reported usage null/s);
    const threw = call('openai', ['stream', 'include-usage'], stream, { threw: { name: 'Error', message: 'boom' } });
    expect(verdict('clients.stream-usage', threw)).toBe('skip');
  });
});

describe('clients.tool-call-assembly', () => {
  const args = '{"city":"Paris"}';
  const chunks: Json[] = [
    {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
          },
          finish_reason: null,
        },
      ],
    },
    {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(0, 5) } }] }, finish_reason: null }],
    },
    {
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(5) } }] }, finish_reason: null }],
    },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ];
  const stream = streamObservation(chunks);

  test('the arguments string (openai) or the parsed input (AI SDK) must match the fragments joined', () => {
    expect(
      verdict(
        'clients.tool-call-assembly',
        call('openai', ['tool-stream'], stream, { returned: { toolCalls: [{ name: 'get_weather', arguments: args }] } }),
      ),
    ).toBe('pass');
    expect(
      verdict(
        'clients.tool-call-assembly',
        call('ai-sdk', ['tool-stream'], stream, { returned: { toolCalls: [{ name: 'get_weather', input: { city: 'Paris' } }] } }),
      ),
    ).toBe('pass');
    const lost = call('openai', ['tool-stream'], stream, { returned: { toolCalls: [] } });
    expect(message('clients.tool-call-assembly', lost)).toMatch(/carrying get_weather\(.*assembled no tool call/s);
  });
});

describe('clients.typed-errors', () => {
  const refusal = (status: number, body: string, type = 'application/json') =>
    fakeObservation({ status, headers: { 'content-type': type }, body });
  const envelope = JSON.stringify({
    error: { message: 'messages must be an array', type: 'invalid_request_error', param: 'messages', code: null },
  });

  test("the SDK's error for the status, carrying the target's message", () => {
    const o = refusal(400, envelope);
    expect(
      verdict(
        'clients.typed-errors',
        call('openai', ['expect:400'], o, { threw: { name: 'BadRequestError', message: '400 messages must be an array', status: 400 } }),
      ),
    ).toBe('pass');
    const lost = call('openai', ['expect:400'], o, {
      threw: { name: 'BadRequestError', message: '400 status code (no body)', status: 400 },
    });
    expect(message('clients.typed-errors', lost)).toMatch(/carrying the message the target sent/);
    const wrongClass = call('openai', ['expect:400'], o, {
      threw: { name: 'APIError', message: '400 messages must be an array', status: 400 },
    });
    expect(verdict('clients.typed-errors', wrongClass)).toBe('fail');
  });

  test('a 429 met anywhere is judged; a success to a deliberate mistake is left to the wire checks', () => {
    const limited = refusal(429, JSON.stringify({ error: { message: 'slow down' } }));
    expect(
      verdict(
        'clients.typed-errors',
        call('ai-sdk', ['stream'], limited, { threw: { name: 'APICallError', message: 'slow down', status: 429 } }),
      ),
    ).toBe('pass');
    const served = jsonObservation(completion());
    expect(verdict('clients.typed-errors', call('openai', ['expect:401'], served, { returned: { type: 'object' } }))).toBe('skip');
    expect(
      runCheck(clientsChecks, 'clients.typed-errors', call('openai', ['completion'], served, { returned: { type: 'object' } })),
    ).toEqual([]);
  });

  test('an error object sent with 200 must not reach the caller as a success', () => {
    const o = refusal(200, envelope);
    expect(message('clients.typed-errors', call('openai', ['expect:400'], o, { returned: { type: 'object' } }))).toMatch(
      /returned as if the request had succeeded/,
    );
  });
});

describe('clients.cancel-mid-stream', () => {
  const cut = { code: 'aborted' as const, message: 'cancelled by the client after 12 ms' };
  const stream = (error?: typeof cut) => streamObservation(chunkSequence(), error ? { error } : {});

  test('a cancel that cut the stream and ended quietly passes; one that threw something else fails', () => {
    expect(
      verdict('clients.cancel-mid-stream', call('openai', ['cancel'], stream(cut), { returned: { text: '1', cancelled: true } })),
    ).toBe('pass');
    const threw = call('ai-sdk', ['cancel'], stream(cut), {
      returned: { text: '1', cancelled: true },
      threw: { name: 'TypeError', message: 'Cannot read properties of undefined' },
    });
    expect(message('clients.cancel-mid-stream', threw)).toMatch(/threw TypeError.*instead of ending/s);
    const aborted = call('openai', ['cancel'], stream(cut), {
      returned: { text: '1', cancelled: true },
      threw: { name: 'APIUserAbortError', message: 'Request was aborted.' },
    });
    expect(verdict('clients.cancel-mid-stream', aborted)).toBe('pass');
  });

  test('nothing left to cut, or no text to cancel after, cannot be judged', () => {
    expect(verdict('clients.cancel-mid-stream', call('openai', ['cancel'], stream(), { returned: { text: '1', cancelled: true } }))).toBe(
      'skip',
    );
    expect(
      verdict('clients.cancel-mid-stream', call('openai', ['cancel'], stream(cut), { returned: { text: '', cancelled: false } })),
    ).toBe('skip');
  });

  test('the conversation asked again must be served', () => {
    const served = jsonObservation(completion());
    expect(verdict('clients.cancel-mid-stream', call('openai', ['after-cancel'], served, { returned: { type: 'object' } }))).toBe('pass');
    const refused = fakeObservation({ status: 500, body: JSON.stringify({ error: { message: 'still busy' } }) });
    const failed = call('openai', ['after-cancel'], refused, {
      threw: { name: 'InternalServerError', message: '500 still busy', status: 500 },
    });
    expect(message('clients.cancel-mid-stream', failed)).toMatch(/HTTP 500.*asked again after a stream of it was cancelled mid-way/s);
  });
});
