import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bodyText } from '../src/core/exchange.ts';
import type { Limits } from '../src/core/limits.ts';
import { type ClientOptions, createClient, parseRetryAfter } from '../src/http/client.ts';

const API_KEY = 'sk-live-SECRET-0123456789abcdef';
const GATEWAY_TOKEN = 'gw-secret-value-42';

const LIMITS: Limits = { connectMs: 1000, headersMs: 1000, idleMs: 1000, totalMs: 3000, maxBytes: 1 << 20 };

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

const routes = new Map<string, Handler>();
const hits = new Map<string, number>();
const seenHeaders = new Map<string, IncomingMessage['headers']>();
let inFlight = 0;
let maxInFlight = 0;
const timers = new Set<NodeJS.Timeout>();
let server: Server;
let garbage: TcpServer;
let base: string;
let garbageBase: string;

const later = (ms: number, fn: () => void) => {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
};

function route(path: string, handler: Handler): string {
  routes.set(path, handler);
  return path;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/v1/, '').replace(/\?.*$/, '');
    hits.set(path, (hits.get(path) ?? 0) + 1);
    seenHeaders.set(path, req.headers);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (routes.get(path) ?? ((_q, r) => r.writeHead(404).end()))(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

  garbage = createTcpServer((socket) => {
    socket.on('data', () => socket.end('HELLO THERE\r\n\r\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
  garbageBase = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  for (const timer of timers) clearTimeout(timer);
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => garbage.close(resolve));
});

const clients: Array<ReturnType<typeof createClient>> = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
});

function client(overrides: Omit<Partial<ClientOptions>, 'limits'> & { limits?: Partial<Limits> } = {}) {
  const { limits, ...rest } = overrides;
  const c = createClient({
    baseUrl: base,
    apiKey: API_KEY,
    concurrency: 4,
    requestBudget: 100,
    ...rest,
    limits: { ...LIMITS, ...limits },
  });
  clients.push(c);
  return c;
}

const sse = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
};

describe('recording', () => {
  test('a JSON answer: status, headers, body, request and timings', async () => {
    const path = route('/json', (_req, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
      res.end(JSON.stringify({ ok: true, echo: JSON.parse(body) }));
    });
    const exchange = await client({ headers: { 'X-Route': 'blue' } }).send({ label: 'json', method: 'POST', path, body: '{"a":1}' });
    expect(exchange.error).toBeUndefined();
    expect(exchange.id).toBe(1);
    expect(exchange.label).toBe('json');
    expect(exchange.response).toMatchObject({ status: 200, bodyBytes: exchange.reads.reduce((n, r) => n + r.bytes.length, 0) });
    expect(exchange.response!.headers['x-request-id']).toBe('req-1');
    expect(JSON.parse(bodyText(exchange))).toEqual({ ok: true, echo: { a: 1 } });
    expect(exchange.response!.excerpt).toBe(bodyText(exchange));
    expect(exchange.request).toMatchObject({ method: 'POST', url: `${base}/json`, body: '{"a":1}' });
    expect(exchange.request.headers).toMatchObject({
      authorization: 'Bearer [REDACTED]',
      'accept-encoding': 'identity',
      'content-type': 'application/json',
      'x-route': 'blue',
    });
    expect(seenHeaders.get('/json')).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      'accept-encoding': 'identity',
      'x-route': 'blue',
    });
    expect(exchange.timings.headersMs).toBeGreaterThanOrEqual(0);
    expect(exchange.timings.firstByteMs).toBeGreaterThanOrEqual(exchange.timings.headersMs!);
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(exchange.timings.firstByteMs!);
    expect(exchange.retries).toEqual([]);
  });

  test('an SSE answer written in timed pieces: every read and the gaps between them', async () => {
    const path = route('/sse', (_req, res) => {
      sse(res);
      res.write('data: {"n":1}\n\n');
      later(60, () => res.write('data: {"n":2}\n\n'));
      later(120, () => res.end('data: [DONE]\n\n'));
    });
    const exchange = await client().send({ label: 'sse', method: 'POST', path, body: '{"stream":true}' });
    expect(exchange.error).toBeUndefined();
    expect(exchange.reads.length).toBeGreaterThanOrEqual(3);
    expect(bodyText(exchange)).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
    expect(exchange.timings.gapsMs).toHaveLength(exchange.reads.length - 1);
    expect(Math.max(...exchange.timings.gapsMs)).toBeGreaterThanOrEqual(40);
    expect(exchange.reads.at(-1)!.atMs - exchange.reads[0]!.atMs).toBeGreaterThanOrEqual(100);
  });

  test('an unrequested Content-Encoding is kept as received, not decoded', async () => {
    const path = route('/gzip', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end('{"plain":true}');
    });
    const exchange = await client().send({ label: 'gzip', method: 'GET', path });
    expect(exchange.error).toBeUndefined();
    expect(exchange.response!.headers['content-encoding']).toBe('gzip');
    expect(bodyText(exchange)).toBe('{"plain":true}');
  });

  test('auth kinds: none, a chosen bearer token, a raw header value', async () => {
    const path = route('/auth', (_req, res) => res.end('{}'));
    const c = client();
    const none = await c.send({ label: 'none', method: 'GET', path, auth: { kind: 'none' } });
    expect(seenHeaders.get('/auth')!.authorization).toBeUndefined();
    expect(none.request.headers['authorization']).toBeUndefined();
    const bearer = await c.send({ label: 'bearer', method: 'GET', path, auth: { kind: 'bearer', token: 'wrong-token' } });
    expect(seenHeaders.get('/auth')!.authorization).toBe('Bearer wrong-token');
    expect(bearer.request.headers['authorization']).toBe('Bearer [HIDDEN]');
    const raw = await c.send({ label: 'raw', method: 'GET', path, auth: { kind: 'raw', value: `bearer ${API_KEY}` } });
    expect(seenHeaders.get('/auth')!.authorization).toBe(`bearer ${API_KEY}`);
    expect(raw.request.headers['authorization']).toBe('bearer [REDACTED]');
  });

  test('the API key and credential-like configured headers appear nowhere in the exchange', async () => {
    const path = route('/echo', (req, res) => {
      res.writeHead(401, {
        'content-type': 'application/json',
        'x-echo-auth': String(req.headers.authorization),
        'set-cookie': `session=${API_KEY}`,
      });
      res.write(`{"error":{"message":"Incorrect API key provided: ${API_KEY.slice(0, 12)}`);
      later(10, () => res.end(`${API_KEY.slice(12)} via ${req.headers['x-gateway-token']} ${encodeURIComponent(API_KEY)}"}}`));
    });
    const exchange = await client({ headers: { 'x-gateway-token': GATEWAY_TOKEN } }).send({
      label: 'echo',
      method: 'POST',
      path: `${path}?api_key=${API_KEY}`,
      body: `{"note":"${API_KEY}"}`,
    });
    expect(seenHeaders.get('/echo')!['x-gateway-token']).toBe(GATEWAY_TOKEN);
    const everything = JSON.stringify(exchange) + bodyText(exchange);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(GATEWAY_TOKEN);
    expect(everything).not.toContain(API_KEY.slice(0, 12) + API_KEY.slice(12));
    expect(exchange.response!.headers['x-echo-auth']).toBe('Bearer [REDACTED]');
    expect(exchange.request.headers['x-gateway-token']).toBe('[HIDDEN]');
    expect(exchange.request.url).toContain('api_key=[REDACTED]');
    // Masking keeps the body's length, so offsets and framing stay as received.
    expect(exchange.response!.bodyBytes).toBe(bodyText(exchange).length);
  });
});

describe('bounds', () => {
  test('slow headers end in headers-timeout within bounds', async () => {
    const path = route('/slow-headers', (_req, res) => later(2000, () => res.end('{}')));
    const exchange = await client({ limits: { headersMs: 100 } }).send({ label: 'slow', method: 'GET', path });
    expect(exchange.error?.code).toBe('headers-timeout');
    expect(exchange.response).toBeUndefined();
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(90);
    expect(exchange.timings.totalMs).toBeLessThan(600);
  });

  test('a stall mid-body ends in idle-timeout, keeping what arrived', async () => {
    const path = route('/stall', (_req, res) => {
      sse(res);
      res.write('data: {"n":1}\n\n');
    });
    const exchange = await client({ limits: { idleMs: 100 } }).send({ label: 'stall', method: 'GET', path });
    expect(exchange.error?.code).toBe('idle-timeout');
    expect(exchange.response?.status).toBe(200);
    expect(bodyText(exchange)).toBe('data: {"n":1}\n\n');
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(90);
    expect(exchange.timings.totalMs).toBeLessThan(600);
  });

  const endless = route('/endless', (_req, res) => {
    sse(res);
    const timer = setInterval(() => res.write(`data: {"pad":"${'x'.repeat(200)}"}\n\n`), 5);
    res.on('close', () => clearInterval(timer));
  });

  test('an endless body ends in total-timeout at the deadline', async () => {
    const exchange = await client({ limits: { totalMs: 250 } }).send({ label: 'endless', method: 'GET', path: endless });
    expect(exchange.error?.code).toBe('total-timeout');
    expect(exchange.reads.length).toBeGreaterThan(3);
    expect(exchange.timings.totalMs).toBeGreaterThanOrEqual(240);
    expect(exchange.timings.totalMs).toBeLessThan(1000);
  });

  test('an endless body ends in too-large at the byte cap', async () => {
    const exchange = await client({ limits: { maxBytes: 4000 } }).send({ label: 'endless', method: 'GET', path: endless });
    expect(exchange.error?.code).toBe('too-large');
    expect(exchange.response?.bodyBytes).toBe(4000);
    expect(exchange.timings.totalMs).toBeLessThan(1000);
  });

  test('a huge body is cut at the cap and its connection closed', async () => {
    let socketClosed: Promise<void> | undefined;
    const path = route('/huge', (req, res) => {
      socketClosed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(8 << 20, 0x61));
    });
    const exchange = await client({ limits: { maxBytes: 64 * 1024 } }).send({ label: 'huge', method: 'GET', path });
    expect(exchange.error?.code).toBe('too-large');
    expect(exchange.response?.bodyBytes).toBe(64 * 1024);
    expect(exchange.reads.reduce((n, r) => n + r.bytes.length, 0)).toBe(64 * 1024);
    await socketClosed;
  });

  test('a connection destroyed mid-body ends in reset', async () => {
    const path = route('/reset', (req, res) => {
      sse(res);
      res.write('data: {"n":1}\n\n');
      later(20, () => req.socket.destroy());
    });
    const exchange = await client().send({ label: 'reset', method: 'GET', path });
    expect(exchange.error?.code).toBe('reset');
    expect(exchange.response?.status).toBe(200);
    expect(bodyText(exchange)).toBe('data: {"n":1}\n\n');
  });

  test('a port nobody listens on is refused', async () => {
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const exchange = await client({ baseUrl: `http://127.0.0.1:${port}/v1` }).send({ label: 'refused', method: 'GET', path: '/models' });
    expect(exchange.error?.code).toBe('refused');
    expect(exchange.response).toBeUndefined();
  });

  test('a peer not speaking HTTP is a protocol error', async () => {
    const exchange = await client({ baseUrl: garbageBase }).send({ label: 'garbage', method: 'GET', path: '/models' });
    expect(exchange.error?.code).toBe('protocol');
  });
});

describe('retries, budget, concurrency, abort', () => {
  test('Retry-After parsing: seconds, HTTP date, garbage', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:02 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  test('429 with Retry-After is retried after min(Retry-After, maxWaitMs) and recorded', async () => {
    let n = 0;
    const path = route('/429-once', (_req, res) => {
      n += 1;
      if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end('{"error":{"message":"slow down"}}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const c = client({ retry: { max: 2, maxWaitMs: 30 } });
    const exchange = await c.send({ label: 'rl', method: 'GET', path });
    expect(exchange.response?.status).toBe(200);
    expect(exchange.retries).toHaveLength(1);
    expect(exchange.retries[0]).toMatchObject({ status: 429, waitMs: 30, retryAfter: true });
    expect(c.stats()).toEqual({ requests: 2, retries: 1, exchanges: 1 });
  });

  test('a 503 with an HTTP-date Retry-After is retried too', async () => {
    let n = 0;
    const path = route('/503-date', (_req, res) => {
      n += 1;
      if (n === 1) res.writeHead(503, { 'retry-after': new Date(Date.now() + 1000).toUTCString() }).end();
      else res.end('{}');
    });
    const exchange = await client({ retry: { max: 2, maxWaitMs: 20 } }).send({ label: 'rl', method: 'GET', path });
    expect(exchange.response?.status).toBe(200);
    expect(exchange.retries.map((r) => r.status)).toEqual([503]);
  });

  test('a 429 that persists is still a 429 after the retry cap', async () => {
    const path = route('/429-always', (_req, res) => res.writeHead(429, { 'retry-after': '1' }).end('{}'));
    const c = client({ retry: { max: 2, maxWaitMs: 10 } });
    const exchange = await c.send({ label: 'rl', method: 'GET', path });
    expect(exchange.response?.status).toBe(429);
    expect(exchange.retries).toHaveLength(2);
    expect(hits.get('/429-always')).toBe(3);
    expect(c.stats().requests).toBe(3);
  });

  test("429 without Retry-After is retried after the client's own back-off, doubling, bounded and recorded", async () => {
    const path = route('/429-bare', (_req, res) => res.writeHead(429).end('{}'));
    const exchange = await client({ retry: { max: 2, maxWaitMs: 30, backoffMs: 20 } }).send({ label: 'rl', method: 'GET', path });
    expect(exchange.response?.status).toBe(429);
    expect(exchange.retries.map((r) => [r.waitMs, r.retryAfter])).toEqual([
      [20, false],
      [30, false],
    ]);
    expect(hits.get('/429-bare')).toBe(3);
  });

  test('the budget counts every attempt; past it nothing is sent', async () => {
    const path = route('/budget', (_req, res) => res.end('{}'));
    const c = client({ requestBudget: 2 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await c.send({ label: `b${i}`, method: 'GET', path }));
    expect(results.map((e) => e.error?.code)).toEqual([undefined, undefined, 'budget-exhausted']);
    expect(results[2]!.response).toBeUndefined();
    expect(hits.get('/budget')).toBe(2);
    expect(c.stats()).toEqual({ requests: 2, retries: 0, exchanges: 3 });

    const always = route('/budget-429', (_req, res) => res.writeHead(429, { 'retry-after': '0' }).end());
    const tight = client({ requestBudget: 2, retry: { max: 5, maxWaitMs: 10 } });
    const limited = await tight.send({ label: 'rl', method: 'GET', path: always });
    expect(limited.response?.status).toBe(429);
    expect(limited.retries).toHaveLength(1);
    expect(hits.get('/budget-429')).toBe(2);
  });

  test('at most `concurrency` exchanges are in flight', async () => {
    const path = route('/hold', (_req, res) => later(60, () => res.end('{}')));
    const before = inFlight;
    maxInFlight = before;
    const c = client({ concurrency: 2 });
    const exchanges = await Promise.all(Array.from({ length: 6 }, (_, i) => c.send({ label: `h${i}`, method: 'GET', path })));
    expect(exchanges.every((e) => e.response?.status === 200)).toBe(true);
    expect(maxInFlight - before).toBe(2);
    expect(new Set(exchanges.map((e) => e.id)).size).toBe(6);
  });

  test('aborting the run ends in-flight and queued exchanges with aborted', async () => {
    const path = route('/abortable', (_req, res) => {
      sse(res);
      res.write('data: {"n":1}\n\n');
    });
    const controller = new AbortController();
    const c = client({ concurrency: 1, signal: controller.signal });
    const pending = [c.send({ label: 'a', method: 'GET', path }), c.send({ label: 'b', method: 'GET', path })];
    later(50, () => controller.abort());
    const [first, second] = await Promise.all(pending);
    expect(first!.error?.code).toBe('aborted');
    expect(first!.response?.status).toBe(200);
    expect(second!.error?.code).toBe('aborted');
    expect(second!.response).toBeUndefined();
    const after = await c.send({ label: 'c', method: 'GET', path });
    expect(after.error?.code).toBe('aborted');
  });
});

describe('scheduling and connections', () => {
  test('a waiting request with a higher priority goes before earlier ones', async () => {
    const order: string[] = [];
    const path = route('/ordered', (req, res) => {
      order.push(String(req.headers['x-name']));
      later(20, () => res.end('{}'));
    });
    const c = client({ concurrency: 1 });
    const send = (name: string, priority = 0) => c.send({ label: name, method: 'GET', path, headers: { 'x-name': name }, priority });
    await Promise.all([send('first'), send('plain-1'), send('plain-2'), send('follow-up', 1)]);
    expect(order).toEqual(['first', 'follow-up', 'plain-1', 'plain-2']);
  });

  test('requests naming a connection share one of their own, which no other request uses', async () => {
    const sockets = new Map<string, unknown>();
    const path = route('/socket', (req, res) => {
      sockets.set(String(req.headers['x-name']), req.socket);
      res.end('{}');
    });
    const c = client({ concurrency: 4 });
    const send = (name: string, connection?: string) =>
      c.send({ label: name, method: 'GET', path, headers: { 'x-name': name }, ...(connection ? { connection } : {}) });
    await send('shared-1');
    await send('own-1', 'line');
    await send('shared-2');
    await send('own-2', 'line');
    expect(sockets.get('own-1')).toBe(sockets.get('own-2'));
    expect(sockets.get('shared-1')).toBe(sockets.get('shared-2'));
    expect(sockets.get('own-1')).not.toBe(sockets.get('shared-1'));
    await c.release('line');
  });

  test('stopWhen cuts a body that runs away, and says why', async () => {
    const path = route('/runaway', (_req, res) => {
      sse(res);
      const timer = setInterval(() => res.write('data: {}\n\n'), 2);
      res.on('close', () => clearInterval(timer));
    });
    let events = 0;
    const exchange = await client().send({
      label: 'r',
      method: 'GET',
      path,
      stopWhen: (bytes) => {
        events += Buffer.from(bytes).toString().split('data:').length - 1;
        return events > 20 ? 'more than 20 events' : undefined;
      },
    });
    expect(exchange.error).toEqual({ code: 'runaway', message: 'more than 20 events' });
    expect(exchange.response?.status).toBe(200);
  });

  test('a JSON body that has begun and then only pads with whitespace is cut; whitespace before it is not', async () => {
    const padded = route('/padded', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{');
      const timer = setInterval(() => res.write(' '), 10);
      res.on('close', () => clearInterval(timer));
    });
    const leading = route('/leading', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let n = 0;
      const timer = setInterval(() => {
        if (++n < 20) res.write('\n');
        else {
          clearInterval(timer);
          res.end('{"ok":true}');
        }
      }, 10);
    });
    const c = client({ limits: { idleMs: 150, totalMs: 2000 } });
    const cut = await c.send({ label: 'p', method: 'GET', path: padded });
    expect(cut.error?.code).toBe('runaway');
    expect(cut.error?.message).toMatch(/nothing but whitespace for 150 ms/);
    const whole = await c.send({ label: 'l', method: 'GET', path: leading });
    expect(whole.error).toBeUndefined();
  });

  test('onExchange sees each exchange before its slot goes to the next request', async () => {
    const path = route('/observed', (_req, res) => later(10, () => res.end('{}')));
    const controller = new AbortController();
    const seen: string[] = [];
    const c = client({
      concurrency: 1,
      signal: controller.signal,
      onExchange: (exchange) => {
        seen.push(exchange.label);
        controller.abort(new Error('stopped by the test'));
      },
    });
    const [first, second] = await Promise.all([c.send({ label: 'a', method: 'GET', path }), c.send({ label: 'b', method: 'GET', path })]);
    expect(seen).toEqual(['a']);
    expect(first!.error).toBeUndefined();
    expect(second!).toMatchObject({ unsent: true, error: { code: 'aborted', message: 'not sent: stopped by the test' } });
  });
});
