/**
 * The tables of a proxy run's report: request fields as sent and as received (one row per field, and one for
 * Authorization), each answer as the upstream sent it and as the client got it, and the differences of each
 * differential pair. Built from the evidence with the checks' own comparisons, so tables and verdicts agree. Pure.
 */

import { judgeAuthorization, sentKey } from '../checks/proxy.ts';
import { byteEqual, clientEvents, jsonEqualAnswer } from '../checks/proxy-answers.ts';
import { differences } from '../checks/proxy-differential.ts';
import { changeVerdict, diffFields, shown } from '../checks/proxy-fields.ts';
import type { Evidence, Observation, ProxiedEvidence } from '../core/evidence.ts';
import { isRecord } from '../core/json.ts';
import type { RunConfig } from '../core/run-config.ts';
import { PROXY_TAGS, type UpstreamSeen } from '../core/upstream.ts';
import { stripUrlCredentials } from '../http/redact.ts';
import type { ProxyAnswerRow, ProxyDifferenceRow, ProxyFieldRow, ProxyReport } from './result.ts';

const AUTHORIZATION_SEEN: Record<UpstreamSeen['authorization'], string> = {
  absent: '(none)',
  'client-key': "the client's key",
  'upstream-key': "the upstream's key (the proxy's own)",
  placeholder: 'a placeholder',
  other: 'another value',
};

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

function fieldRows(item: ProxiedEvidence): ProxyFieldRow[] {
  if (!item.tags.includes(PROXY_TAGS.request)) return [];
  return item.exchanges.flatMap(({ client, upstream }) => {
    const first = upstream?.[0];
    const received = parse(first?.body ?? '');
    if (!first || !isRecord(received)) return [];
    const base = { probe: item.probe, exchangeId: client.exchange.id };
    const fields = diffFields(client.sent ?? {}, received).map(
      (row): ProxyFieldRow => ({
        ...base,
        field: row.field,
        ...(row.change !== 'added' ? { sent: shown(row.sent) } : {}),
        ...(row.change !== 'dropped' ? { received: shown(row.received) } : {}),
        change: row.change,
        verdict: changeVerdict(row),
      }),
    );
    const outcome = judgeAuthorization(client, first)[0];
    const placeholder = first.authorization === 'placeholder' ? ` (${first.headers['authorization'] ?? ''})` : '';
    const authorization: ProxyFieldRow = {
      ...base,
      field: 'Authorization',
      sent: sentKey(client) ? "the client's key" : '(none)',
      received: `${AUTHORIZATION_SEEN[first.authorization]}${placeholder}`,
      change: sentKey(client) === (first.authorization !== 'absent') && first.authorization !== 'placeholder' ? 'unchanged' : 'changed',
      verdict: outcome?.verdict === 'fail' || outcome?.verdict === 'warn' ? outcome.verdict : 'pass',
    };
    return [...fields, authorization];
  });
}

function describe(o: Observation | UpstreamSeen, events: number | undefined): string {
  const status = 'kind' in o ? o.exchange.response?.status : o.status;
  return `${status === undefined ? 'no answer' : `HTTP ${status}`}${events === undefined ? '' : ` · ${events} events`}`;
}

function answerRows(item: ProxiedEvidence): ProxyAnswerRow[] {
  return item.exchanges.flatMap(({ client, upstream }) => {
    const first = upstream?.[0];
    // A client that left on purpose got part of the answer by design.
    if (first?.end?.how !== 'finished' || !client.exchange.response || client.exchange.error?.code === 'left') return [];
    return [
      {
        probe: item.probe,
        exchangeId: client.exchange.id,
        upstream: describe(first, first.events?.length),
        client: describe(client, client.stream ? clientEvents(client).length : undefined),
        jsonEqual: jsonEqualAnswer(client, first),
        byteEqual: byteEqual(client, first),
      },
    ];
  });
}

function differenceRows(item: ProxiedEvidence): ProxyDifferenceRow[] {
  return item.exchanges.flatMap(({ client, direct }): ProxyDifferenceRow[] => {
    if (!direct) return [];
    const base = { probe: item.probe, exchangeId: client.exchange.id };
    const found = differences(direct, client, item.deterministic);
    if (found.length === 0) return [{ ...base, aspect: 'everything compared', direct: 'same', proxied: 'same', verdict: 'pass' }];
    return found.map(({ aspect, direct: a, proxied: b, verdict }) => ({ ...base, aspect, direct: a, proxied: b, verdict }));
  });
}

export function proxyReport(config: RunConfig, evidence: readonly Evidence[]): ProxyReport | undefined {
  if (!config.proxy) return undefined;
  const proxied = evidence.filter((e): e is ProxiedEvidence => e.kind === 'proxied');
  return {
    mode: config.proxy.mode,
    upstream: stripUrlCredentials(config.proxy.upstream),
    fields: proxied.flatMap(fieldRows),
    answers: proxied.flatMap(answerRows),
    differences: proxied.flatMap(differenceRows),
  };
}
