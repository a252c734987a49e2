/**
 * What the probes of every area share: the depth and budget gate, the one-request probe and the seeded
 * stream-vs-non-stream pair.
 */
import type { Probe, ProbeIO } from '../engine/probe.ts';
import type { Comparison, Evidence } from '../core/evidence.ts';
import { type Depth, runsAt } from '../core/vocabulary.ts';

export type Body = Record<string, unknown>;

export const ask = (text: string) => [{ role: 'user', content: text }];

/** A stream that ends with the usage chunk. */
export const withUsage = { stream: true, stream_options: { include_usage: true } };

export interface ProbeSpec {
  id: string;
  title: string;
  /** The shallowest depth that runs it. */
  from: Depth;
  feeds: string[];
  requests: number;
  send(io: ProbeIO): Promise<Evidence[]>;
}

/** A probe that runs from depth `from` up, and only when its requests fit the budget left. */
export function probe(spec: ProbeSpec): Probe {
  return {
    id: spec.id,
    title: spec.title,
    feeds: spec.feeds,
    cost: (depth) => (runsAt(spec.from, depth) ? spec.requests : 0),
    run: async (io) => (runsAt(spec.from, io.config.depth) && io.remainingBudget() >= spec.requests ? spec.send(io) : []),
  };
}

/** A probe that sends one request. */
export const single = (id: string, title: string, from: Depth, feeds: string[], body: Body, tags: string[] = []): Probe =>
  probe({ id, title, from, feeds, requests: 1, send: async (io) => [await io.chat(id, { body, tags })] });

/**
 * The same seeded request without and with stream (the stream side with `streamExtra` and `streamTags` added);
 * a deterministic target must answer both alike.
 */
export async function streamVsNonstream(
  io: ProbeIO,
  label: string,
  body: Body,
  tags: string[],
  streamExtra: Body = {},
  streamTags: string[] = [],
): Promise<Comparison> {
  const seeded = { ...body, seed: io.config.seed };
  const [plain, streamed] = await Promise.all([
    io.chat(label, { body: seeded, tags }),
    io.chat(label, { body: { ...seeded, stream: true, ...streamExtra }, tags: [...tags, ...streamTags] }),
  ]);
  const relation = 'stream-vs-nonstream';
  return { kind: 'comparison', probe: label, tags, relation, a: plain, b: streamed, deterministic: io.deterministic };
}
