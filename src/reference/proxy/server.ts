/**
 * The reference proxy (`chat-conformance serve --upstream URL`): a faithful pass-through of `/v1/*` to an upstream,
 * for proving the proxy checks. It forwards the body and every end-to-end header as received (the client's
 * Authorization included), relays the answer as it arrives, answers 502 when the upstream cannot be reached and 504
 * when it does not answer in time, breaks off when the upstream breaks off, and lets the upstream go when its
 * client does. A fault (server-wide, or per request under `/fault/NAME/v1`) bends one of those.
 */
import { createServer, Agent as HttpAgent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { isRecord, type Json } from '../../core/json.ts';
import { findProxyFault, type ProxyFault, type ProxyReply } from './faults.ts';
import { faithfulRelay } from './relay.ts';

export interface ProxyOptions {
  /** Base URL (…/v1) requests are forwarded to. */
  upstream: string;
  port?: number;
  host?: string;
  /** Server-wide fault; a `/fault/NAME/v1` prefix overrides it per request. */
  fault?: string;
  /** Longest wait for the upstream's status line. Default 60 000. */
  upstreamHeadersMs?: number;
}

export interface RunningProxy {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Request bodies larger than this are refused: no chat request comes near it. */
const BODY_LIMIT = 32 * 1024 * 1024;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const reply = (res: ServerResponse, { status, body }: ProxyReply): void => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(bytes.length) });
  res.end(bytes);
};

const gatewayError = (status: number, code: string, message: string): ProxyReply => ({
  status,
  body: { error: { message, type: 'server_error', param: null, code } },
});

function endToEnd(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readAll(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks)));
    req.on('error', () => resolve(undefined));
  });
}

function parseJson(body: Buffer): Json | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const base = new URL(options.upstream.replace(/\/+$/, ''));
  const serverWide = options.fault === undefined ? undefined : findProxyFault(options.fault);
  if (options.fault !== undefined && !serverWide) throw new Error(`unknown proxy fault: ${options.fault}`);
  const secure = base.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const headersMs = options.upstreamHeadersMs ?? 60_000;
  const sockets = new Set<Socket>();

  const forward = async (req: IncomingMessage, res: ServerResponse, fault: ProxyFault | undefined, rest: string): Promise<void> => {
    const body = await readAll(req);
    if (body === undefined) return reply(res, gatewayError(413, 'request_too_large', 'The request body is too large.'));
    const refused = fault?.refuse?.(body.length);
    if (refused) return reply(res, refused);
    const json = parseJson(body);
    const rewritten = json && fault?.request ? Buffer.from(JSON.stringify(fault.request(json)), 'utf8') : body;
    const headers = fault?.headers?.(endToEnd(req.headers)) ?? endToEnd(req.headers);
    delete headers['content-length'];
    if (req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = String(rewritten.length);

    const target = new URL(`${base.pathname}${rest}`, base);
    const send = secure ? httpsRequest : httpRequest;
    const upstream = send(target, { method: req.method, headers, agent });
    const waiting = setTimeout(() => upstream.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })), headersMs);
    res.on('error', () => undefined);
    res.once('close', () => {
      // The client went away: so does the upstream request, unless the fault keeps reading it.
      if (!res.writableFinished && !fault?.ignoresDisconnect) upstream.destroy();
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(waiting);
      if (res.headersSent || res.destroyed) return void res.destroy();
      if (error.code === 'TIMEOUT') reply(res, gatewayError(504, 'upstream_timeout', 'The upstream did not answer in time.'));
      else reply(res, gatewayError(502, 'upstream_unreachable', `The upstream could not be reached: ${error.message}`));
    });
    upstream.on('response', (answer) => {
      clearTimeout(waiting);
      const status = answer.statusCode ?? 502;
      const replaced = fault?.error?.(status);
      if (replaced) {
        answer.resume();
        return reply(res, replaced);
      }
      res.writeHead(status, endToEnd(answer.headers));
      res.flushHeaders();
      const relay = fault?.relay?.(res, json) ?? faithfulRelay(res);
      answer.on('data', (chunk: Buffer) => relay.data(chunk));
      answer.on('error', () => undefined);
      answer.once('close', () => (answer.complete ? relay.end() : relay.broken()));
    });
    upstream.end(rewritten);
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const query = (req.url ?? '').slice(path.length);
    const match = /^(?:\/fault\/([^/]+))?\/v1(\/.*)?$/.exec(path);
    if (!match)
      return reply(res, { status: 404, body: { error: { message: `No route for ${path}.`, type: 'not_found_error', code: 'not_found' } } });
    const named = match[1] === undefined ? serverWide : findProxyFault(decodeURIComponent(match[1]));
    if (match[1] !== undefined && !named) {
      return reply(res, {
        status: 404,
        body: { error: { message: `No proxy fault is named ${match[1]}.`, type: 'not_found_error', code: 'unknown_fault' } },
      });
    }
    forward(req, res, named, `${match[2] ?? ''}${query}`).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}
