/** Tokens a run spent, read from the usage the target reported (each exchange counted once). */
import { observations } from '../checks/guards.ts';
import type { Evidence, Observation } from '../core/evidence.ts';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0);

function usageOf(observation: Observation): { prompt: number; completion: number } {
  const bodies = observation.stream ? observation.stream.chunks.map((c) => c.value) : [observation.json];
  for (const body of bodies.reverse()) {
    const usage = (body as { usage?: Record<string, unknown> } | undefined)?.usage;
    if (usage && typeof usage === 'object') {
      return { prompt: count(usage['prompt_tokens']), completion: count(usage['completion_tokens']) };
    }
  }
  return { prompt: 0, completion: 0 };
}

/**
 * The answers that cost tokens. Through a proxy in front of the tool's own instrumented upstream nothing is billed,
 * so those are left out; a differential pair is billed twice, through the proxy and directly.
 */
function billed(evidence: Evidence): Observation[] {
  if (evidence.kind !== 'proxied') return observations(evidence);
  return evidence.exchanges.flatMap((x) => (x.direct ? [x.client, x.direct] : []));
}

export function tokensUsed(evidence: readonly Evidence[]): { prompt: number; completion: number } {
  const seen = new Set<number>();
  const total = { prompt: 0, completion: 0 };
  for (const observation of evidence.flatMap(billed)) {
    if (seen.has(observation.exchange.id)) continue;
    seen.add(observation.exchange.id);
    const usage = usageOf(observation);
    total.prompt += usage.prompt;
    total.completion += usage.completion;
  }
  return total;
}
