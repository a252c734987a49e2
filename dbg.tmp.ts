import { runConformance } from './src/engine/run.ts';
import { startReference } from './src/reference/server.ts';
const ref = await startReference({ port: 0, apiKey: 'k', gapMs: 2, seed: 7 });
for (const fault of process.argv.slice(2)) {
  const config: any = { target: ref.url.replace(/\/v1$/, `/fault/${fault}/v1`), embedded: false, deterministic: true, model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' }, apiKeyEnv: 'X',
    profile: 'strict', depth: 'standard', seed: 11, concurrency: 8, limits: { connectMs: 1000, headersMs: 1500, idleMs: 1000, totalMs: 5000, maxBytes: 1024 * 1024 }, only: [], skip: [], headers: {}, reportDir: '/tmp/r' };
  const out = await runConformance(config, { apiKey: 'k' });
  for (const s of out.sent.filter((s) => s.exchange.error)) console.log(s.exchange.id, s.exchange.label, s.exchange.error?.code, Math.round(s.exchange.timings.totalMs), s.exchange.request.body?.slice(0,150));
  for (const c of out.checks.filter((c) => c.verdict === 'fail')) console.log(fault, c.id, '|', c.findings.map((f) => f.message.replace(/\n/g, ' / ').slice(0, 300)).join(' || '));
}
await ref.close();
