/**
 * A record of the instrumented upstream turned into evidence: credentials replaced by what they were (the client's
 * key, the upstream's own, a placeholder such as "Bearer undefined"), and a streamed answer split into its data
 * events with the time each was written. No key leaves this module.
 */
import { isEventStream } from '../core/media-type.ts';
import type { AuthorizationSeen, UpstreamRecord, UpstreamSeen } from '../core/upstream.ts';
import { REDACTED } from '../http/redact.ts';
import { checkFraming } from '../sse/frames.ts';

export interface Keys {
  /** The key the client sent the proxy. */
  client?: string;
  /** The key the upstream accepts. */
  upstream: string;
}

/** A bearer token no proxy means to send: it had no key and wrote one anyway. */
const PLACEHOLDER = /^\s*bearer\s*(undefined|null|none|nan|\[object object\]|""|'')?\s*$/i;

function classify(value: string | undefined, keys: Keys): AuthorizationSeen {
  if (value === undefined) return 'absent';
  if (PLACEHOLDER.test(value)) return 'placeholder';
  const token = value.replace(/^\s*bearer\s+/i, '').trim();
  if (keys.client !== undefined && token === keys.client) return 'client-key';
  if (token === keys.upstream) return 'upstream-key';
  return 'other';
}

const secretsOf = (keys: Keys): string[] => [keys.client, keys.upstream].filter((k): k is string => k !== undefined && k !== '');

export function seenByUpstream(record: UpstreamRecord, keys: Keys): UpstreamSeen {
  const secrets = secretsOf(keys);
  const authorization = classify(record.headers['authorization'], keys);
  const headers: Record<string, string> = {};
  const keyElsewhere: string[] = [];
  for (const [name, value] of Object.entries(record.headers)) {
    if (name === 'authorization') {
      headers[name] = authorization === 'placeholder' ? value : REDACTED;
      continue;
    }
    if (keys.client && value.includes(keys.client)) keyElsewhere.push(name);
    headers[name] = secrets.some((s) => value.includes(s)) ? REDACTED : value;
  }
  const responseBody = Buffer.concat(record.writes.map((w) => w.bytes)).toString('utf8');
  const seen: UpstreamSeen = {
    receivedAtMs: record.receivedAtMs,
    body: record.body,
    bodyBytes: record.bodyBytes,
    headers,
    authorization,
    keyElsewhere,
    responseHeaders: record.responseHeaders,
    responseBody,
  };
  if (record.status !== undefined) seen.status = record.status;
  if (record.end) seen.end = record.end;
  const contentType = record.responseHeaders['content-type'];
  if (isEventStream(contentType)) {
    const framing = checkFraming(record.writes, contentType);
    seen.events = framing.events.map((e) => ({ data: e.data, atMs: e.atMs }));
  }
  return seen;
}
