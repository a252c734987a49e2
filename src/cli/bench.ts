/**
 * `chat-conformance bench`: prints speed and memory figures. Targets live here as printed numbers, not as timed
 * tests, because a shared machine makes wall-clock assertions flaky.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { runBudget } from '../engine/budget.ts';
import { type RunConfig } from '../engine/config.ts';
import { executePlan } from '../engine/execute.ts';
import { plans } from '../plans/index.ts';
import { startReference } from '../reference/server.ts';
import { createFrameChecker } from '../sse/frames.ts';
import { limitsFor } from './options.ts';
import { AREAS, type Depth, DEPTHS } from '../core/vocabulary.ts';

const MiB = 1024 * 1024;
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);

function syntheticStream(targetBytes: number): Uint8Array {
  const chunk = (i: number) =>
    `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"token ${i} 漢字 🚀"},"finish_reason":null}]}\n\n`;
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i += 1) {
    const text = chunk(i);
    parts.push(text);
    size += Buffer.byteLength(text);
  }
  parts.push('data: [DONE]\n\n');
  return new TextEncoder().encode(parts.join(''));
}

function benchFraming(): void {
  const bytes = syntheticStream(16 * MiB);
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const started = performance.now();
  const checker = createFrameChecker({ contentType: 'text/event-stream', maxEvents: 1_000_000 });
  for (let at = 0, reads = 0; at < bytes.length; at += 1024, reads += 1) {
    checker.feed(bytes.subarray(at, at + 1024));
    if (reads % 512 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  const report = checker.end();
  const seconds = (performance.now() - started) / 1000;
  line('SSE framing checker throughput', `${(bytes.length / MiB / seconds).toFixed(1)} MiB/s (${report.events.length} events, 1 KiB reads)`);
  line('SSE framing checker peak heap growth', `${((heapPeak - heapBefore) / MiB).toFixed(1)} MiB for ${(bytes.length / MiB).toFixed(0)} MiB of stream (events are kept)`);
}

async function benchReference(): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: 'sk-bench' });
  try {
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'reference-chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, stream });
      const count = 300;
      const started = performance.now();
      for (let i = 0; i < count; i += 1) {
        const response = await request(`${reference.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
          body,
        });
        await response.body.arrayBuffer();
      }
      const seconds = (performance.now() - started) / 1000;
      line(`reference provider, ${stream ? 'stream' : 'non-stream'} requests`, `${(count / seconds).toFixed(0)} req/s sequential (max_tokens 16)`);
    }
  } finally {
    await reference.close();
  }
}

async function benchEmbeddedRun(depth: Depth): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: 'sk-bench', gapMs: 2 });
  const config: RunConfig = {
    target: reference.url,
    embedded: true,
    deterministic: true,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile: 'documented',
    depth,
    seed: 1,
    concurrency: 4,
    limits: limitsFor(60_000, 8 * MiB),
    only: [],
    skip: [],
    headers: {},
    reportDir: 'reports',
  };
  try {
    const started = performance.now();
    let requests = 0;
    for (const area of AREAS) requests += (await executePlan(plans[area], config, { apiKey: 'sk-bench' })).requests;
    const seconds = (performance.now() - started) / 1000;
    line(`all plans at depth ${depth} (embedded)`, `${seconds.toFixed(1)} s, ${requests} requests (budget ${runBudget(depth, AREAS)} with preflight)`);
    line('resident memory after the run', `${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
  } finally {
    await reference.close();
  }
}

export async function bench(_args: string[]): Promise<number> {
  benchFraming();
  await benchReference();
  for (const depth of DEPTHS) await benchEmbeddedRun(depth);
  return 0;
}
