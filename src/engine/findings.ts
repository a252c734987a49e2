/** Turns a check's finding into a report record: what was sent, what came back, and how to reproduce it. */

import type { Evidence, Finding, Observation } from '../core/evidence.ts';
import type { RunConfig } from '../core/run-config.ts';
import { curlFor } from '../http/curl.ts';
import type { FindingRecord } from './result.ts';

const EXCERPT = 600;

const clip = (text: string): string => (text.length > EXCERPT ? `${text.slice(0, EXCERPT)}…` : text);

/** The observation that best shows a finding: the one a person would replay. */
export function primaryObservation(evidence: Evidence): Observation | undefined {
  switch (evidence.kind) {
    case 'observation':
      return evidence;
    case 'comparison':
      return evidence.b;
    case 'boundary':
      return evidence.observation;
    case 'property':
      return evidence.failure?.observation;
    case 'client':
      return evidence.observations[0];
    case 'proxied':
      return evidence.exchanges[0]?.client;
  }
}

export function received(observation: Observation): string {
  const { response, error } = observation.exchange;
  const parts: string[] = [];
  if (response) parts.push(`HTTP ${response.status} ${response.headers['content-type'] ?? '(no content-type)'}`);
  if (error) parts.push(`transport: ${error.code}: ${error.message}`);
  if (response?.excerpt) parts.push(clip(response.excerpt));
  return parts.join('\n');
}

export function replayCommand(config: RunConfig, checkId: string, seed: number, path: string): string {
  const target = config.embedded ? '' : ` --target=${config.target} --model=${config.model}`;
  return `npx chat-conformance run${target} --only=${checkId} --profile=${config.profile} --depth=${config.depth} --seed=${seed} --path=${path}`;
}

export function findingRecord(
  checkId: string,
  finding: Finding,
  verdict: FindingRecord['verdict'],
  evidence: Evidence,
  config: RunConfig,
): FindingRecord {
  const record: FindingRecord = {
    verdict,
    key: finding.key,
    message: finding.message,
    occurrences: 1,
    probe: evidence.probe,
  };
  if (finding.path !== undefined) record.path = finding.path;
  if (finding.conflict !== undefined) record.conflict = finding.conflict;
  const observation = primaryObservation(evidence);
  if (observation) {
    const { request } = observation.exchange;
    record.exchangeId = observation.exchange.id;
    record.sent = `${request.method} ${request.url}${request.body ? `\n${clip(request.body)}` : ''}`;
    record.received = received(observation);
    record.curl = curlFor(request, { apiKeyEnv: config.apiKeyEnv });
  }
  if (evidence.kind === 'property' && evidence.failure) {
    const { seed, path } = evidence.failure;
    record.replay = { seed, path, command: replayCommand(config, checkId, seed, path) };
  }
  return record;
}

/** Repeats of the same problem (same key and verdict) become one record with a count. */
export function mergeFinding(records: FindingRecord[], next: FindingRecord): void {
  const same = records.find((r) => r.key === next.key && r.verdict === next.verdict);
  if (same) same.occurrences += 1;
  else records.push(next);
}
