/** The data events of a stream, other than `[DONE]`, parsed as JSON in arrival order. */
import type { ChunkEvidence } from '../core/evidence.ts';
import type { FramingReport } from '../core/framing.ts';

export function parseChunks(report: FramingReport): ChunkEvidence[] {
  return report.events
    .filter((event) => !event.isDone)
    .map((event): ChunkEvidence => {
      const chunk: ChunkEvidence = { position: event.position, raw: event.data, atMs: event.atMs };
      try {
        chunk.value = JSON.parse(event.data) as unknown;
      } catch (error) {
        chunk.parseError = error instanceof Error ? error.message : String(error);
      }
      return chunk;
    });
}
