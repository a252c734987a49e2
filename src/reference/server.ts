/**
 * The embedded reference provider: an HTTP server that implements the documented chat-completions
 * contract deterministically. It is the default target of a run, a mock for client developers, and,
 * through a named Behaviour, a provider with one known fault or one legal variant.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Behaviour } from './behaviour.ts';
import { behaviours, findBehaviour } from './catalogue.ts';
import { methodNotAllowed, routeNotFound, unknownBehaviour, unprocessable } from './error-replies.ts';
import { handleEndpoint, type PipelineSettings } from './pipeline.ts';
import { writePlain } from './plain-reply.ts';
import type { Recorder } from './recorder.ts';
import { resolveRoute } from './route.ts';
import { checkRequest } from './validate.ts';

export interface ReferenceOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `sk-reference`. */
  apiKey?: string;
  /** Delay before the first event of a stream (and before a non-stream answer). Default 0. */
  ttftMs?: number;
  /** Delay between stream events. Default 0. */
  gapMs?: number;
  /** Server-wide fault or variant name from the catalogue; a path prefix overrides it per request. */
  behaviour?: string;
  /** Server seed: every answer is a function of it and the request. Default 0. */
  seed?: number;
  /** Longest any single response may last before it is cut (bounds endless output). Default 180 000. */
  maxResponseMs?: number;
  /** Behaviours to resolve names against instead of the built-in catalogue (tests of the pipeline). */
  catalogue?: readonly Behaviour[];
  /** Records requests and plays the behaviour a request's marker asks for (the instrumented upstream of a proxy run). */
  instrument?: Recorder;
}

export interface RunningReference {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  close(): Promise<void>;
  /** Requests currently being handled (for checking that abandoned streams are let go). */
  inFlight(): number;
}

export const DEFAULT_API_KEY = 'sk-reference';

export async function startReference(options: ReferenceOptions = {}): Promise<RunningReference> {
  const catalogue = options.catalogue ?? behaviours;
  const lookup = (name: string): Behaviour | undefined => findBehaviour(name, catalogue);
  const serverWide = options.behaviour === undefined ? undefined : lookup(options.behaviour);
  if (options.behaviour !== undefined && !serverWide) throw new Error(`unknown reference behaviour: ${options.behaviour}`);

  // Parse the spec and compile its validators now, so the first request is not the slow one.
  checkRequest({});

  let sequence = 0;
  const settings: PipelineSettings = {
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    ttftMs: Math.max(0, options.ttftMs ?? 0),
    gapMs: Math.max(0, options.gapMs ?? 0),
    serverSeed: options.seed ?? 0,
    maxResponseMs: options.maxResponseMs ?? 180_000,
    nextSequence: () => (sequence += 1),
  };
  const sockets = new Set<Socket>();
  let active = 0;

  const server = createServer((req, res) => {
    active += 1;
    res.once('close', () => (active -= 1));
    const choose = options.instrument?.observe(req, res);
    dispatch(req, res, serverWide, lookup, choose ? { ...settings, choose } : settings).catch((error: unknown) => lastResort(res, error));
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
    inFlight: () => active,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging streams (stall, endless) would otherwise hold close() open.
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  serverWide: Behaviour | undefined,
  lookup: (name: string) => Behaviour | undefined,
  settings: PipelineSettings,
): Promise<void> {
  // Routing errors happen before any behaviour is chosen, so they are written plainly.
  const route = resolveRoute(req.url);
  if (route.kind === 'not-found') return writePlain(res, routeNotFound(route.path));
  let behaviour = serverWide;
  if (route.prefix) {
    behaviour = lookup(route.prefix.name);
    if (!behaviour || behaviour.kind !== route.prefix.kind) return writePlain(res, unknownBehaviour(route.prefix.kind, route.prefix.name));
  }
  if (req.method !== route.allow) return writePlain(res, methodNotAllowed(req.method ?? '', route.allow));
  await handleEndpoint(route.endpoint, req, res, behaviour, settings);
}

/**
 * A defect in the provider itself. It still answers with a client-error envelope: the reference must
 * never be the reason a run sees a 5xx, and the message carries the cause for whoever debugs it.
 */
function lastResort(res: ServerResponse, error: unknown): void {
  const detail = error instanceof Error ? error.message : String(error);
  process.stderr.write(`reference provider: unexpected error: ${error instanceof Error ? (error.stack ?? detail) : detail}\n`);
  try {
    writePlain(res, unprocessable(detail));
  } catch {
    res.destroy();
  }
}
