/**
 * `chat-conformance bench`: prints speed and memory figures. Targets live here as printed numbers, not as timed
 * tests, because a shared machine makes wall-clock assertions flaky.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { RunConfig } from '../core/run-config.ts';
import { DEPTHS, type Depth } from '../core/vocabulary.ts';
import { runConformance, type Sent } from '../engine/run.ts';
import { startReference } from '../reference/server.ts';
import { parseRunArgs } from '../run/options.ts';
import { createFrameChecker } from '../sse/frames.ts';

const MiB = 1024 * 1024;
const KEY = 'sk-bench';
const CLI = fileURLToPath(new URL('../../bin/chat-conformance.js', import.meta.url));
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(52)} ${value}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

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
  const secs = (performance.now() - started) / 1000;
  line('SSE framing checker throughput', `${(bytes.length / MiB / secs).toFixed(1)} MiB/s (${report.events.length} events, 1 KiB reads)`);
  line(
    'SSE framing checker peak heap growth',
    `${((heapPeak - heapBefore) / MiB).toFixed(1)} MiB for ${(bytes.length / MiB).toFixed(0)} MiB of stream (events are kept)`,
  );
}

async function benchReference(): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: KEY });
  try {
    for (const stream of [false, true]) {
      const body = JSON.stringify({ model: 'reference-chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 16, stream });
      const count = 300;
      const started = performance.now();
      for (let i = 0; i < count; i += 1) {
        const response = await request(`${reference.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body,
        });
        await response.body.arrayBuffer();
      }
      const secs = (performance.now() - started) / 1000;
      line(
        `reference provider, ${stream ? 'stream' : 'non-stream'} requests`,
        `${(count / secs).toFixed(0)} req/s sequential (max_tokens 16)`,
      );
    }
  } finally {
    await reference.close();
  }
}

/** A run as `chat-conformance run --target=… --depth=… --concurrency=…` would resolve it, at the default timeouts. */
function config(target: string, depth: Depth, concurrency: number): RunConfig {
  const { config: parsed } = parseRunArgs([`--target=${target}`, `--depth=${depth}`, `--concurrency=${concurrency}`, '--seed=1'], {});
  return { ...parsed, target, embedded: false, deterministic: true, model: 'reference-chat' };
}

/** The ideal wall time: the requests' own time spread over the pool, or the longest chain of dependent requests. */
function ideal(sent: readonly Sent[], concurrency: number): { sumMs: number; chainMs: number; idealMs: number } {
  const chainEnd = new Map<object, number>();
  let chainMs = 0;
  let sumMs = 0;
  for (const { exchange, after } of sent) {
    const end = (after ? (chainEnd.get(after) ?? 0) : 0) + exchange.timings.totalMs;
    chainEnd.set(exchange, end);
    chainMs = Math.max(chainMs, end);
    sumMs += exchange.timings.totalMs;
  }
  return { sumMs, chainMs, idealMs: Math.max(sumMs / concurrency, chainMs) };
}

/** A standard run against a target as slow as a real model: 300 ms to the first token, 60 ms between tokens. */
async function benchLatency(concurrency: number): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: KEY, ttftMs: 300, gapMs: 60 });
  try {
    const started = performance.now();
    const outcome = await runConformance(config(reference.url, 'standard', concurrency), { apiKey: KEY });
    const wallMs = performance.now() - started;
    const { sumMs, chainMs, idealMs } = ideal(outcome.sent, concurrency);
    line(
      `slow target (300 ms + 60 ms/token), concurrency ${concurrency}`,
      `${seconds(wallMs)} wall for ${outcome.sent.length} requests; ideal ${seconds(idealMs)} (request time ${seconds(sumMs)} ÷ ${concurrency}, longest chain ${seconds(chainMs)}); ratio ${(wallMs / idealMs).toFixed(2)}`,
    );
  } finally {
    await reference.close();
  }
}

/** A standard run against a hostile target, at the default timeouts: bounded time, not time × requests. */
async function benchHostile(fault: string): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: KEY, gapMs: 2 });
  try {
    const started = performance.now();
    const outcome = await runConformance(config(reference.url.replace(/\/v1$/, `/fault/${fault}/v1`), 'standard', 4), { apiKey: KEY });
    const failing = outcome.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
    line(
      `hostile target "${fault}", default timeouts`,
      `${seconds(performance.now() - started)} wall, ${outcome.requests} requests sent; fails ${failing.join(', ') || 'nothing'}; ${outcome.incomplete ? 'incomplete' : 'complete'}`,
    );
  } finally {
    await reference.close();
  }
}

/** `npx chat-conformance run` as a user starts it: process start, embedded reference, run, reports. */
function benchEmbeddedCli(): void {
  const reportDir = mkdtempSync(join(tmpdir(), 'chat-conformance-bench-'));
  try {
    const started = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'run', '--seed=1', `--report-dir=${reportDir}`], { encoding: 'utf8' });
    line('embedded standard run (npx chat-conformance run)', `${seconds(performance.now() - started)} wall, exit ${result.status}`);
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}

async function benchEmbeddedDepth(depth: Depth): Promise<void> {
  const reference = await startReference({ port: 0, apiKey: KEY, gapMs: 2 });
  try {
    const started = performance.now();
    const outcome = await runConformance(config(reference.url, depth, 4), { apiKey: KEY });
    line(
      `engine at depth ${depth} (embedded, in process)`,
      `${seconds(performance.now() - started)}, ${outcome.requests} requests (plan ${outcome.planned})`,
    );
  } finally {
    await reference.close();
  }
}

export async function bench(_args: string[]): Promise<number> {
  benchFraming();
  await benchReference();
  benchEmbeddedCli();
  for (const depth of DEPTHS) await benchEmbeddedDepth(depth);
  line('resident memory after the embedded runs', `${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
  await benchLatency(8);
  await benchLatency(16);
  for (const fault of ['endless', 'stall', 'slow-headers']) await benchHostile(fault);
  return 0;
}
