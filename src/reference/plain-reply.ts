/**
 * A JSON reply written at once, with no behaviour and no pacing: routing errors (before any behaviour
 * is chosen), the models list, the report of a failed hook, and the last-resort answer.
 */
import type { ServerResponse } from 'node:http';
import { lowerCaseKeys } from './headers.ts';

export interface PlainReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export function writePlain(res: ServerResponse, { status, body, headers = {} }: PlainReply): void {
  // Part of an answer already left: cutting the connection is the only honest end.
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const bytes = Buffer.from(JSON.stringify(body) ?? 'null', 'utf8');
  // A headers hook that failed halfway may have set some already.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(status, {
    ...lowerCaseKeys(headers),
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(bytes.length),
  });
  res.end(bytes);
}
