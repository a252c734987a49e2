/**
 * What the probes of every area share: the one-request probe and the seeded stream-vs-non-stream pair.
 */
import type { CheckId } from '../checks/registry.ts';
import type { ChatRequestBody } from '../contract/types.ts';
import type { Comparison } from '../core/evidence.ts';
import type { Depth } from '../core/vocabulary.ts';
import type { Probe, ProbeIO } from './probe.ts';

export const ask = (text: string): ChatRequestBody['messages'] => [{ role: 'user', content: text }];

/** A stream that ends with the usage chunk. */
export const withUsage = { stream: true, stream_options: { include_usage: true } } satisfies Partial<ChatRequestBody>;

/** A probe that sends one request. */
export const single = (
  id: string,
  title: string,
  from: Depth,
  feeds: readonly CheckId[],
  body: ChatRequestBody,
  tags: string[] = [],
): Probe => ({
  id,
  title,
  from,
  feeds,
  requests: () => 1,
  run: async (io) => [await io.chat(id, { body, tags })],
});

/**
 * The same seeded request without and with stream (the stream side with `streamExtra` and `streamTags` added),
 * sent side by side; a deterministic target must answer both alike.
 */
export async function streamVsNonstream(
  io: ProbeIO,
  label: string,
  body: ChatRequestBody,
  tags: string[],
  streamExtra: Partial<ChatRequestBody> = {},
  streamTags: string[] = [],
): Promise<Comparison> {
  // Greedy and seeded: the two answers agree on any target that can be deterministic at all.
  const seeded = { ...body, seed: io.config.seed, temperature: 0 };
  const [plain, streamed] = await Promise.all([
    io.chat(label, { body: seeded, tags }),
    io.chat(label, { body: { ...seeded, stream: true, ...streamExtra }, tags: [...tags, ...streamTags] }),
  ]);
  const relation = 'stream-vs-nonstream';
  return { kind: 'comparison', probe: label, tags, relation, a: plain, b: streamed, deterministic: io.deterministic };
}
