/**
 * Real answers of widely used servers (test/fixtures/wire/, each citing where it was published), replayed through
 * every check. Each warning or failure under the documented profile is one this table expects, for the reason its
 * note gives; under the lenient profile an answer fails only where it breaks a stated rule or a client.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { checks } from '../src/checks/registry.ts';
import type { Observation } from '../src/core/evidence.ts';
import type { Profile, Verdict } from '../src/core/vocabulary.ts';
import { verdictUnder } from './support/check-table.ts';
import { CTX } from './support/chunks.ts';
import { fakeObservation } from './support/evidence.ts';

type Json = Record<string, unknown>;

const DIR = new URL('./fixtures/wire/', import.meta.url);

const WEATHER = {
  type: 'function',
  function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
};
const ask = (text: string) => [{ role: 'user', content: text }];
const INCLUDE = { stream_options: { include_usage: true } };

interface WireCase {
  file: string;
  /** What the test pretends was asked; the fixture's source says what the server was asked, where it says it. */
  sent: Json;
  tags?: string[];
  /** Milliseconds between the stream's events: the span its own `created` stamps show it took. */
  gapMs?: number;
  /** An excerpt is judged by these checks only (the rest of its stream is not quoted). */
  only?: string[];
  /**
   * Every check that warns or fails under the documented profile, with its verdict under documented and lenient;
   * a failure under lenient is only for a stated rule or a client the answer breaks.
   */
  findings: Record<string, [documented: Verdict, lenient: Verdict]>;
  /** Checks that must judge the answer and pass it (the behaviour the fixture is here for). */
  passes?: string[];
}

const CASES: WireCase[] = [
  {
    file: 'azure-openai-content-filter.sse',
    sent: { model: 'gpt-4', messages: ask('Say hello'), stream: true, ...INCLUDE },
    findings: {
      // The prompt-filter preamble (empty id, object and model, created 0) is one warning, not four failures.
      'streaming.chunk-object': ['warn', 'warn'],
      // The asynchronous-filter annotation: choices without delta, which the Python SDK's stream helper reads.
      'schema.chunk-valid': ['warn', 'warn'],
    },
    passes: ['streaming.stable-identity', 'usage.null-elsewhere', 'usage.chunk-placement', 'streaming.single-finish'],
  },
  {
    file: 'openrouter-usage-after-finish.sse',
    sent: { model: 'openai/gpt-4o', messages: ask('Hi'), stream: true, ...INCLUDE },
    findings: {
      // Usage on a last chunk whose choices is not empty: the "last chunk" reading (conflict usage-chunk-choices).
      'usage.chunk-empty-choices': ['warn', 'pass'],
      // OpenRouter leaves usage out of the chunks before it rather than sending null (conflict usage-null-vs-absent).
      'usage.null-elsewhere': ['fail', 'warn'],
    },
    passes: ['streaming.single-finish', 'streaming.role-first', 'usage.chunk-present', 'schema.model-echo'],
  },
  {
    file: 'openrouter-usage-after-finish.sse',
    sent: { model: 'openai/gpt-4o', messages: ask('Hi'), stream: true },
    findings: {
      // Usage sent unasked: 000 and 002 put usage in a stream's last chunk without condition.
      'usage.not-requested': ['warn', 'pass'],
    },
    passes: ['streaming.single-finish'],
  },
  {
    file: 'groq-tool-call-usage-on-finish.sse',
    sent: { model: 'llama-3.3-70b-versatile', messages: ask('Weather?'), stream: true, tools: [WEATHER], ...INCLUDE },
    findings: {
      // Usage rides on the finish chunk: reported once, under the conflict usage-chunk-choices.
      'usage.chunk-empty-choices': ['warn', 'pass'],
      'usage.null-elsewhere': ['fail', 'warn'],
      // The OpenAI value for a turn that ends in tool calls (conflict finish-reason-tool-calls).
      'schema.finish-reason-documented': ['warn', 'pass'],
    },
    passes: ['tools.call-shape', 'tools.stream-deltas', 'tools.finish-reason-consistent', 'usage.chunk-placement', 'schema.chunk-valid'],
  },
  {
    file: 'xai-tool-call-created-drift.sse',
    sent: { model: 'grok-3-mini', messages: ask('Weather in San Francisco?'), stream: true, tools: [WEATHER] },
    // created moves three seconds over the stream; the quoted events are spread over about as long.
    gapMs: 1000,
    findings: {
      // created stamped per chunk, moving forward within the stream's duration.
      'streaming.stable-identity': ['warn', 'warn'],
      'usage.not-requested': ['warn', 'pass'],
      'schema.finish-reason-documented': ['warn', 'pass'],
      // total_tokens 560 is not prompt 307 + completion 26: 000 states total = prompt + completion.
      'usage.totals-add-up': ['fail', 'fail'],
    },
    passes: ['schema.chunk-valid', 'streaming.single-finish', 'tools.finish-reason-consistent', 'tools.call-shape'],
  },
  {
    file: 'ollama-empty-finish-reason.sse',
    sent: { model: 'mistral:latest', messages: ask('Hi'), stream: true },
    only: ['streaming.single-finish', 'schema.chunk-valid', 'streaming.role-first', 'streaming.stable-identity', 'schema.model-echo'],
    findings: {
      // finish_reason "" is neither null nor a reason: a bug Ollama fixed, failed under every profile.
      'streaming.single-finish': ['fail', 'fail'],
    },
    passes: ['schema.chunk-valid', 'streaming.role-first', 'schema.model-echo'],
  },
  {
    file: 'vllm-stream-start.sse',
    sent: { model: 'Kimi', messages: ask('元曲四大家有谁'), stream: true, stop: '四', max_completion_tokens: 1000, ...INCLUDE },
    only: [
      'schema.chunk-valid',
      'streaming.chunk-object',
      'streaming.role-first',
      'streaming.stable-identity',
      'usage.null-elsewhere',
      'schema.model-echo',
    ],
    findings: {},
    passes: ['schema.chunk-valid', 'streaming.role-first', 'streaming.stable-identity', 'usage.null-elsewhere', 'schema.model-echo'],
  },
  {
    file: 'openai-chat-completion.json',
    sent: { model: 'gpt-4.1-nano', messages: ask('Invent a holiday') },
    findings: {},
    passes: ['schema.response-valid', 'schema.model-echo', 'schema.content-present', 'usage.totals-add-up', 'usage.counts-nonzero'],
  },
  {
    file: 'deepseek-tool-call.json',
    sent: { model: 'deepseek-v4-flash', messages: ask('Weather in San Francisco?'), tools: [WEATHER] },
    findings: {
      'schema.finish-reason-documented': ['warn', 'pass'],
    },
    passes: [
      'schema.response-valid',
      'tools.call-shape',
      'tools.arguments-valid',
      'tools.finish-reason-consistent',
      'schema.content-present',
    ],
  },
  {
    file: 'deepseek-logprobs.json',
    sent: { model: 'deepseek-v4-flash', messages: ask('Say OK'), logprobs: true, top_logprobs: 1 },
    findings: {},
    passes: ['schema.response-valid', 'logprobs.present', 'logprobs.top-count', 'logprobs.values'],
  },
  {
    file: 'openai-unsupported-parameter.json',
    sent: { model: 'o3-mini', messages: ask('Count to 100'), max_tokens: 5 },
    tags: ['semantics:limit'],
    findings: {},
    passes: ['errors.envelope'],
  },
  {
    file: 'openrouter-provider-error.json',
    sent: { model: 'openai/gpt-4o', messages: ask('Hi') },
    findings: {
      // code, message and metadata: clients read the message; the absent type and param are only unusual.
      'errors.envelope': ['warn', 'warn'],
    },
  },
  {
    file: 'mistral-flat-error.json',
    sent: { model: 'open-mixtral-8x22b', messages: ask('Hi'), tools: [WEATHER] },
    findings: {
      // No "error" member: the official Node SDK then reports "400 status code (no body)" and loses the message.
      'errors.envelope': ['fail', 'fail'],
      // The same answer refuses the tools request: judged as a refusal, whatever the body.
      'tools.call-shape': ['fail', 'fail'],
    },
  },
];

interface Fixture {
  status: number;
  headers: Record<string, string>;
  /** The body as the reads it arrived in: one per SSE event, or the whole JSON body. */
  parts: string[];
}

function load(file: string): Fixture {
  const text = readFileSync(new URL(file, DIR), 'utf8');
  if (file.endsWith('.sse')) {
    const parts = text.split(/(?<=\n\n)/);
    return { status: 200, headers: { 'content-type': 'text/event-stream' }, parts };
  }
  const envelope = JSON.parse(text) as { status: number; contentType: string; body: unknown };
  return { status: envelope.status, headers: { 'content-type': envelope.contentType }, parts: [JSON.stringify(envelope.body)] };
}

/** The earliest non-zero `created` the answer carries, in seconds: the clock the checks judge it by. */
function recordedAt(parts: readonly string[]): number | undefined {
  const stamps = [...parts.join('').matchAll(/"created":\s*(\d+)/g)].map((m) => Number(m[1])).filter((s) => s > 0);
  return stamps.length ? Math.min(...stamps) : undefined;
}

function replay(c: WireCase): { observation: Observation; at?: number } {
  const fixture = load(c.file);
  const observation = fakeObservation({
    sent: c.sent,
    tags: c.tags ?? [],
    status: fixture.status,
    headers: fixture.headers,
    body: fixture.parts,
    gapMs: c.gapMs ?? 5,
  });
  const at = recordedAt(fixture.parts);
  return at === undefined ? { observation } : { observation, at };
}

/** Each check's verdict on the observation under `profile`, for the checks that judged it. */
function verdicts(observation: Observation, profile: Profile, only?: readonly string[]): Map<string, Verdict> {
  const result = new Map<string, Verdict>();
  for (const check of checks) {
    if (only && !only.includes(check.id)) continue;
    const outcomes = check.run(observation, { ...CTX, profile });
    if (outcomes.length > 0) result.set(check.id, verdictUnder(outcomes, profile));
  }
  return result;
}

const bad = (map: Map<string, Verdict>, worst: readonly Verdict[]) => Object.fromEntries([...map].filter(([, v]) => worst.includes(v)));

afterEach(() => {
  vi.useRealTimers();
});

test('every fixture is replayed, and cites its source at the top', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.sse') || f.endsWith('.json'));
  expect(new Set(CASES.map((c) => c.file))).toEqual(new Set(files));
  for (const file of files) {
    const head = readFileSync(new URL(file, DIR), 'utf8').slice(0, 600);
    expect(head, file).toMatch(file.endsWith('.sse') ? /^: [^\n]+\n(: [^\n]*\n)*: source: / : /^\{\n {2}"source": /);
  }
});

describe('real answers, replayed', () => {
  for (const c of CASES) {
    const label = `${c.file} (${c.sent['stream_options'] ? 'include_usage' : 'as sent'})`;
    test(label, () => {
      const { observation, at } = replay(c);
      vi.useFakeTimers({ toFake: ['Date'] });
      if (at !== undefined) vi.setSystemTime(at * 1000 + 1000);
      const documented = verdicts(observation, 'documented', c.only);
      const lenient = verdicts(observation, 'lenient', c.only);
      const expected = Object.fromEntries(Object.entries(c.findings).map(([id, [d]]) => [id, d]));
      expect(bad(documented, ['fail', 'warn']), 'findings under documented').toEqual(
        bad(new Map(Object.entries(expected)), ['fail', 'warn']),
      );
      for (const [id, [, l]] of Object.entries(c.findings)) expect(lenient.get(id), `${id} under lenient`).toBe(l);
      const lenientFailures = Object.entries(c.findings)
        .filter(([, [, l]]) => l === 'fail')
        .map(([id]) => [id, 'fail']);
      expect(bad(lenient, ['fail']), 'failures under lenient').toEqual(Object.fromEntries(lenientFailures));
      for (const id of c.passes ?? []) expect(documented.get(id), `${id} judges and passes`).toBe('pass');
    });
  }
});
