/** The resolved settings of one conformance run (after flags, env and defaults). */
import type { Limits } from './limits.ts';
import type { ProxySetup } from './upstream.ts';
import type { Depth, Profile } from './vocabulary.ts';

export interface RunConfig {
  /** Base URL in the OpenAI SDK convention (ends before `/chat/completions`), credentials removed. */
  target: string;
  /** True when the target is the embedded reference provider (deterministic, free). */
  embedded: boolean;
  /**
   * True when identical seeded requests get identical answers (the embedded reference, or `--deterministic`):
   * comparisons that need it (stream vs non-stream, same seed twice) then fail instead of warn.
   */
  deterministic: boolean;
  model: string;
  /** Models the documents name for the reasoning switches. */
  reasoningModels: { separateReasoning: string; enableThinking: string };
  /** Name of the environment variable holding the API key (the key itself is never stored here). */
  apiKeyEnv: string;
  profile: Profile;
  depth: Depth;
  seed: number;
  /** fast-check replay path (with `seed`), to re-run one counterexample. */
  replayPath?: string;
  concurrency: number;
  limits: Limits;
  /** Areas or check ids to run; empty means all. */
  only: string[];
  /** Areas or check ids to leave out. */
  skip: string[];
  /** Extra headers sent on every request (gateways route on them). */
  headers: Record<string, string>;
  reportDir: string;
  /** Present when the target is a proxy under test (`chat-conformance proxy`): the proxy area runs, and how. */
  proxy?: ProxySetup;
}
