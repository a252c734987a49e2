/**
 * A probe sends a few requests and returns evidence; a plan is the probes of one area.
 * Probes do I/O only through `ProbeIO`, so the same plan runs under vitest, under the CLI and in self-tests.
 */
import type { RunConfig } from './config.ts';
import type { Area, Depth } from '../core/vocabulary.ts';
import type { Evidence, Observation } from '../core/evidence.ts';

export interface SendChat {
  /** JSON body; `model` is filled in from the run config when absent. */
  body?: Record<string, unknown>;
  /** Send these exact bytes instead of a JSON body (malformed-JSON probes). */
  rawBody?: string;
  /** Facts checks gate on (`stream`, `include-usage`, `invalid`, …). `stream` is added automatically when body.stream is true. */
  tags?: string[];
  /** `default` uses the run's key; `none` sends no Authorization; `bearer` sends the given token; `raw` sends the header as given. */
  auth?: { kind: 'default' } | { kind: 'none' } | { kind: 'bearer'; token: string } | { kind: 'raw'; value: string };
  headers?: Record<string, string>;
}

export interface ProbeIO {
  config: RunConfig;
  /** Identical seeded requests give identical answers (the embedded reference, or --deterministic). */
  deterministic: boolean;
  /** POST {target}/chat/completions, read fully (as SSE when the response says so) and decoded. */
  chat(label: string, request: SendChat): Promise<Observation>;
  /** GET {target}{path}. */
  get(label: string, path: string): Promise<Observation>;
  /** True when the run evaluates this check (after --only/--skip); probes skip work nobody will read. */
  wants(checkId: string): boolean;
  /** Requests this plan may still send. Probes scale their work to it. */
  remainingBudget(): number;
  /** Progress line for long work (property runs). */
  progress(message: string): void;
}

export interface Probe {
  id: string;
  title: string;
  /** Check ids that read this probe's evidence; the probe is not run when none of them is selected. */
  feeds: string[];
  /** Requests the probe sends at a depth (an upper bound), used to plan within the budget. */
  cost(depth: Depth): number;
  run(io: ProbeIO): Promise<Evidence[]>;
}

export interface Plan {
  area: Area;
  probes: Probe[];
}
