/**
 * What the instrumented upstream of a proxy run remembers, and how it picks a request's behaviour. A probe registers
 * how one request is to be answered and gets a marker; the request carries the marker in its last user message, the
 * one part of a chat request every proxy forwards. Every marked request is recorded as it arrived (headers, body)
 * and as it was answered (status, headers, each write with its time, how it ended), in this process's memory only:
 * nothing is served to the network but the provider's own endpoints.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UpstreamControl, UpstreamRecord, UpstreamScript } from '../core/upstream.ts';
import type { Behaviour } from './behaviour.ts';
import { scriptedBehaviour } from './scripted.ts';

/** The marker as a request carries it: `[cc:<name>]`. */
const MARKER = /\[cc:([A-Za-z0-9._~-]{1,80})\]/;
/** Request body bytes kept per record; a proxy run sends nothing larger. */
const BODY_KEPT = 4 * 1024 * 1024;
const POLL_MS = 10;

export const markerText = (name: string): string => `[cc:${name}]`;

/** Per request: whether the request asks for a scripted behaviour once its body is known. */
export type ChooseBehaviour = () => Behaviour | undefined;

export interface Recorder {
  /** Starts recording a request; the returned function picks its behaviour once the body has been read. */
  observe(req: IncomingMessage, res: ServerResponse): ChooseBehaviour;
  script(name: string, script: UpstreamScript): string;
  settled: UpstreamControl['settled'];
  received(): number;
}

const flatHeaders = (headers: Record<string, string | string[] | number | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers)
      .filter((entry): entry is [string, string | string[] | number] => entry[1] !== undefined)
      .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value)]),
  );

export function createRecorder(): Recorder {
  const scripts = new Map<string, UpstreamScript>();
  const records = new Map<string, UpstreamRecord[]>();
  let received = 0;

  const observe = (req: IncomingMessage, res: ServerResponse): ChooseBehaviour => {
    received += 1;
    const record: UpstreamRecord = {
      receivedAtMs: performance.now(),
      method: req.method ?? '',
      url: req.url ?? '',
      headers: flatHeaders(req.headers),
      body: '',
      bodyBytes: 0,
      responseHeaders: {},
      writes: [],
    };
    let marker: string | undefined;
    let cutting = false;

    // A second reader of the body beside the provider's own: attached first, so it has every chunk and ends first.
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      record.bodyBytes += chunk.length;
      if (record.bodyBytes <= BODY_KEPT) chunks.push(chunk);
    });
    req.on('end', () => {
      record.body = Buffer.concat(chunks).toString('utf8');
      marker = MARKER.exec(record.body)?.[1];
      if (marker !== undefined && scripts.has(marker)) records.get(marker)?.push(record);
    });

    recordWrites(res, record);
    const end = (how: 'finished' | 'cut' | 'peer-left') => {
      record.end ??= { atMs: performance.now(), how };
    };
    res.once('finish', () => end('finished'));
    res.once('close', () => end(res.writableFinished ? 'finished' : cutting ? 'cut' : 'peer-left'));

    return () => {
      const script = marker === undefined ? undefined : scripts.get(marker);
      return script ? scriptedBehaviour(script, () => (cutting = true)) : undefined;
    };
  };

  return {
    observe,
    script(name, script) {
      // Runs that share one upstream reuse names; the first run's markers stay as named.
      let unique = name;
      for (let n = 2; scripts.has(unique); n += 1) unique = `${name}~${n}`;
      scripts.set(unique, script);
      records.set(unique, []);
      return markerText(unique);
    },
    async settled(marker, { graceMs, timeoutMs }) {
      const name = MARKER.exec(marker)?.[1] ?? marker;
      const started = performance.now();
      for (;;) {
        const found = records.get(name) ?? [];
        const waited = performance.now() - started;
        const done = found.length > 0 ? found.every((r) => r.end !== undefined) : waited >= graceMs;
        if (done || waited >= timeoutMs) return found.map((r) => ({ ...r, writes: [...r.writes] }));
        await sleep(POLL_MS);
      }
    },
    received: () => received,
  };
}

/** Notes the status, headers and every body write of a response as it goes out. */
function recordWrites(res: ServerResponse, record: UpstreamRecord): void {
  const note = (chunk: unknown): void => {
    if (record.status === undefined) {
      record.status = res.statusCode;
      record.responseHeaders = { ...record.responseHeaders, ...flatHeaders(res.getHeaders()) };
    }
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk as Uint8Array);
    if (bytes.length > 0) record.writes.push({ atMs: performance.now(), bytes });
  };
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  Object.assign(res, {
    writeHead: (...args: unknown[]) => {
      const headers = args.find((a, i) => i > 0 && typeof a === 'object' && a !== null);
      if (headers) record.responseHeaders = { ...record.responseHeaders, ...flatHeaders(headers as Record<string, string>) };
      return writeHead(...args);
    },
    write: (...args: unknown[]) => {
      note(args[0]);
      return write(...args);
    },
    end: (...args: unknown[]) => {
      note(args[0]);
      return end(...args);
    },
  });
}
