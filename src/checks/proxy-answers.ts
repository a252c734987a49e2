/**
 * Did the client get what the upstream sent? A non-stream body is compared as JSON, a stream event by event (data
 * payloads aligned in order, so a dropped usage chunk or an extra `[DONE]` shows as exactly that), each event as
 * JSON. Byte equality is worth knowing but not required: a proxy may re-serialise JSON or re-frame events.
 */

import type { Observation, Outcome } from '../core/evidence.ts';
import { bodyText } from '../core/exchange.ts';
import { dig, isRecord } from '../core/json.ts';
import type { UpstreamSeen } from '../core/upstream.ts';
import { describeStatus, statusOf } from './guards.ts';
import { deviation, list, pass } from './outcome.ts';
import { changeVerdict, describeChange, diffFields } from './proxy-fields.ts';

const DONE = '[DONE]';

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One payload, in a form where JSON-equal payloads are equal strings. */
function canonical(data: string): string {
  const value = parse(data);
  if (value === undefined) return data.trim();
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  return JSON.stringify(sorted(value));
}

export interface EventMismatch {
  kind: 'dropped' | 'added' | 'changed';
  /** Position among the upstream's (dropped, changed) or the client's (added) data events. */
  position: number;
  upstream?: string;
  client?: string;
}

/** How far ahead alignment looks for a payload that went missing or was inserted. */
const LOOKAHEAD = 64;

/** The differences between two sequences of data payloads, aligning equal payloads in order. */
export function alignEvents(upstream: readonly string[], client: readonly string[]): EventMismatch[] {
  const u = upstream.map(canonical);
  const c = client.map(canonical);
  const out: EventMismatch[] = [];
  let i = 0;
  let j = 0;
  const ahead = (list: string[], from: number, value: string | undefined): number => {
    const at = list.slice(from, from + LOOKAHEAD).indexOf(value ?? '\u0000');
    return at === -1 ? -1 : from + at;
  };
  while (i < u.length || j < c.length) {
    if (i < u.length && j < c.length && u[i] === c[j]) {
      i += 1;
      j += 1;
    } else if (i >= u.length) {
      out.push({ kind: 'added', position: j, client: client[j]! });
      j += 1;
    } else if (j >= c.length) {
      out.push({ kind: 'dropped', position: i, upstream: upstream[i]! });
      i += 1;
    } else {
      const inClient = ahead(c, j, u[i]);
      const inUpstream = ahead(u, i, c[j]);
      if (inClient !== -1 && (inUpstream === -1 || inClient - j <= inUpstream - i)) {
        for (; j < inClient; j += 1) out.push({ kind: 'added', position: j, client: client[j]! });
      } else if (inUpstream !== -1) {
        for (; i < inUpstream; i += 1) out.push({ kind: 'dropped', position: i, upstream: upstream[i]! });
      } else {
        out.push({ kind: 'changed', position: i, upstream: upstream[i]!, client: client[j]! });
        i += 1;
        j += 1;
      }
    }
  }
  return out;
}

const isUsageChunk = (data: string): boolean => {
  const value = parse(data);
  const choices = dig(value, 'choices');
  return isRecord(dig(value, 'usage')) && Array.isArray(choices) && choices.length === 0;
};

/** What one mismatch means for a client, as a finding key and a phrase. */
function describeMismatch(m: EventMismatch): { key: string; verdict: 'fail' | 'warn'; text: string } {
  if (m.kind === 'dropped') {
    if (m.upstream?.trim() === DONE)
      return { key: 'done-dropped', verdict: 'fail', text: 'the data: [DONE] the upstream sent did not arrive' };
    if (isUsageChunk(m.upstream ?? ''))
      return { key: 'usage-chunk-dropped', verdict: 'fail', text: `the usage chunk (upstream event ${m.position}) did not arrive` };
    return { key: 'event-dropped', verdict: 'fail', text: `upstream event ${m.position} did not arrive` };
  }
  if (m.kind === 'added') {
    if (m.client?.trim() === DONE) return { key: 'done-added', verdict: 'fail', text: 'a data: [DONE] the upstream did not send arrived' };
    return { key: 'event-added', verdict: 'fail', text: `an event the upstream did not send arrived (client event ${m.position})` };
  }
  const sent = parse(m.upstream ?? '');
  const got = parse(m.client ?? '');
  if (isRecord(sent) && isRecord(got)) {
    const changes = diffFields(sent, got).filter((row) => row.change !== 'unchanged');
    const worst = changes.some((row) => changeVerdict(row) === 'fail') ? 'fail' : 'warn';
    return {
      key: worst === 'fail' ? 'event-changed' : 'event-fields-added',
      verdict: worst,
      text: `upstream event ${m.position}: ${list(changes.map(describeChange), 4)}`,
    };
  }
  return {
    key: 'event-changed',
    verdict: 'fail',
    text: `upstream event ${m.position} arrived as ${JSON.stringify((m.client ?? '').slice(0, 80))}`,
  };
}

/** The client's data payloads, `[DONE]` included, as it read them. */
export const clientEvents = (client: Observation): string[] => client.stream?.framing.events.map((e) => e.data) ?? [];

/** Findings about how the client's answer differs from what the upstream sent; a pass when it does not. */
export function compareAnswer(client: Observation, upstream: UpstreamSeen, documented: string): Outcome[] {
  const status = statusOf(client);
  if (status !== upstream.status) {
    return [
      deviation(
        'fail',
        'status-changed',
        `the upstream answered HTTP ${upstream.status ?? 'nothing'}, the client got ${describeStatus(client)}`,
        documented,
      ),
    ];
  }
  if (upstream.events) {
    if (!client.stream)
      return [
        deviation(
          'fail',
          'not-a-stream',
          `the upstream streamed ${upstream.events.length} events; the client got ${describeStatus(client)} that is not an event stream`,
          documented,
        ),
      ];
    const mismatches = alignEvents(
      upstream.events.map((e) => e.data),
      clientEvents(client),
    ).map(describeMismatch);
    if (mismatches.length === 0) return [pass];
    const byKey = new Map<string, typeof mismatches>();
    for (const m of mismatches) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
    return [...byKey.entries()].map(([key, found]) =>
      deviation(
        found[0]!.verdict,
        key,
        `${list(
          found.map((m) => m.text),
          3,
        )} (${upstream.events!.length} events sent, ${clientEvents(client).length} received)`,
        documented,
      ),
    );
  }
  const sent = parse(upstream.responseBody);
  const got = parse(bodyText(client.exchange));
  if (isRecord(sent) && isRecord(got)) {
    const changes = diffFields(sent, got).filter((row) => row.change !== 'unchanged');
    if (changes.length === 0) return [pass];
    const worst = changes.some((row) => changeVerdict(row) === 'fail') ? 'fail' : 'warn';
    return [deviation(worst, worst === 'fail' ? 'body-changed' : 'body-fields-added', list(changes.map(describeChange), 5), documented)];
  }
  if (bodyText(client.exchange) === upstream.responseBody) return [pass];
  return [
    deviation(
      'fail',
      'body-changed',
      `the body differs from the upstream's (${upstream.responseBody.length} characters sent, ${bodyText(client.exchange).length} received)`,
      documented,
    ),
  ];
}

/** Whether the client got the upstream's bytes exactly (events compared by payload text, bodies whole). */
export function byteEqual(client: Observation, upstream: UpstreamSeen): boolean {
  if (upstream.events) {
    const got = clientEvents(client);
    return got.length === upstream.events.length && upstream.events.every((e, i) => e.data === got[i]);
  }
  return bodyText(client.exchange) === upstream.responseBody;
}

/** JSON-equal answers: no finding from `compareAnswer`. */
export const jsonEqualAnswer = (client: Observation, upstream: UpstreamSeen): boolean =>
  compareAnswer(client, upstream, '').every((o) => o.verdict === 'pass');
