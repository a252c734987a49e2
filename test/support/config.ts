/** The settings of a run against a reference target, as self-tests use them: deterministic, standard depth, tight bounds. */
import type { RunConfig } from '../../src/core/run-config.ts';

export function runConfig(target: string, overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    target,
    embedded: false,
    deterministic: true,
    model: 'reference-chat',
    reasoningModels: { separateReasoning: 'deepseek/deepseek-r1-turbo', enableThinking: 'zai-org/glm-4.5' },
    apiKeyEnv: 'CONFORMANCE_API_KEY',
    profile: 'documented',
    depth: 'standard',
    seed: 11,
    concurrency: 8,
    limits: { connectMs: 3000, headersMs: 3000, idleMs: 1500, totalMs: 6000, maxBytes: 1024 * 1024 },
    only: [],
    skip: [],
    headers: {},
    reportDir: 'reports',
    ...overrides,
  };
}
