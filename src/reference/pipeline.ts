/**
 * One request through the reference provider: authenticate → read and parse → validate → generate →
 * render → serialize → headers → write, with each stage open to the selected Behaviour. A hook that
 * throws is a bug in that behaviour; it is answered with a 400 naming the behaviour, never a crash.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatCompletionRequest } from '../contract/types.ts';
import { isRecord, type Json } from '../core/json.ts';
import { bearerMatches } from './bearer.ts';
import type { Behaviour, Completion, ErrorReply, WriteContext } from './behaviour.ts';
import { readBody } from './body.ts';
import { behaviourFailed, bodyTooLarge, invalidJson, notAnObject, unauthorized } from './error-replies.ts';
import { choiceTokenCount, generate } from './generate.ts';
import { lowerCaseKeys } from './headers.ts';
import { modelList } from './models.ts';
import { closeSignal, finish, isClosed, type Pacing, writePaced } from './paced-writer.ts';
import { type PlainReply, writePlain } from './plain-reply.ts';
import { encodeParts, renderChunks, renderResponse, serializeEvents } from './render.ts';
import type { Endpoint } from './route.ts';
import { checkRequest, checkStructuredOutput } from './validate.ts';

/** 1 MiB: requests larger than any legitimate chat prompt the probes send. */
const BODY_LIMIT = 1024 * 1024;
/** Non-stream answers wait for the simulated generation time, but never longer than this. */
const MAX_NONSTREAM_WAIT_MS = 10_000;

export interface PipelineSettings {
  apiKey: string;
  ttftMs: number;
  gapMs: number;
  serverSeed: number;
  maxResponseMs: number;
  nextSequence(): number;
  /** Once the body is read: a behaviour the request itself asks for (the instrumented upstream), replacing the route's. */
  choose?: () => Behaviour | undefined;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  behaviour: Behaviour | undefined;
  settings: PipelineSettings;
  closed: AbortSignal;
}

class HookFailure extends Error {
  constructor(readonly reply: ErrorReply) {
    super(reply.body.error.message);
  }
}

export async function handleEndpoint(
  endpoint: Endpoint,
  req: IncomingMessage,
  res: ServerResponse,
  behaviour: Behaviour | undefined,
  settings: PipelineSettings,
): Promise<void> {
  const exchange: Exchange = { req, res, behaviour, settings, closed: closeSignal(res, settings.maxResponseMs) };
  try {
    if (endpoint === 'models') await handleModels(exchange);
    else await handleChat(exchange);
  } catch (error) {
    if (error instanceof HookFailure) sendPlain(exchange, error.reply);
    else throw error;
  } finally {
    // A writer that returned without ending leaves nothing half-open behind it.
    if (!res.writableEnded && !res.destroyed && res.headersSent) res.end();
  }
}

async function handleModels(exchange: Exchange): Promise<void> {
  if (!authenticated(exchange)) return sendError(exchange, unauthorized(), undefined);
  sendPlain(exchange, { status: 200, body: modelList() });
}

async function handleChat(exchange: Exchange): Promise<void> {
  const { req, settings } = exchange;
  if (!authenticated(exchange)) return sendError(exchange, unauthorized(), undefined);

  const read = await readBody(req, BODY_LIMIT);
  if (read.kind === 'aborted') return;
  exchange.behaviour = settings.choose?.() ?? exchange.behaviour;
  const { behaviour } = exchange;
  if (read.kind === 'too-large') return sendError(exchange, bodyTooLarge(BODY_LIMIT), undefined);
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.bytes.toString('utf8'));
  } catch (error) {
    return sendError(exchange, invalidJson(error instanceof Error ? error.message : 'parse error'), undefined);
  }
  if (!isRecord(parsed)) {
    return sendError(exchange, notAnObject(parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed), undefined);
  }
  const body = parsed;

  const check = checkRequest(body);
  const errors = hook(behaviour, 'validate', check.errors, (b) => b.validate?.(body, check.errors, req.socket));
  if (errors.length > 0) return sendError(exchange, errors[0] as ErrorReply, body);

  // The body passed the request schema. A behaviour that drops validation errors can still let wrong
  // types through, which is why the readers in request-options.ts and generate.ts stay defensive.
  const request = body as ChatCompletionRequest;
  const generated = generate(request, {
    serverSeed: settings.serverSeed,
    created: Math.floor(Date.now() / 1000),
    sequence: settings.nextSequence(),
  });
  const unsatisfiable = checkStructuredOutput(generated, request, check.schemas);
  if (unsatisfiable) return sendError(exchange, unsatisfiable, body);
  const completion = hook(behaviour, 'generate', generated, (b) => b.generate?.(generated, request));

  if (request.stream === true) await sendStream(exchange, completion, request);
  else await sendCompletion(exchange, completion, request);
}

async function sendCompletion(exchange: Exchange, completion: Completion, request: ChatCompletionRequest): Promise<void> {
  const rendered = renderResponse(completion);
  const body = hook(exchange.behaviour, 'response', rendered, (b) => b.response?.(rendered, request));
  const parts = [Buffer.from(JSON.stringify(body), 'utf8')];
  const headers = { 'content-type': 'application/json; charset=utf-8' };
  const { ttftMs, gapMs } = exchange.settings;
  // Choices are generated side by side, as a batching server does: the longest one sets the time.
  const longest = completion.choices.reduce((most, choice) => Math.max(most, choiceTokenCount(choice)), 0);
  const wait = Math.min(MAX_NONSTREAM_WAIT_MS, ttftMs + gapMs * longest);
  await respond(exchange, 200, headers, parts, request, { firstMs: wait, gapMs: 0, stream: false });
}

async function sendStream(exchange: Exchange, completion: Completion, request: ChatCompletionRequest): Promise<void> {
  const { behaviour, settings } = exchange;
  const rendered = renderChunks(completion, request);
  const chunks = hook(behaviour, 'chunks', rendered, (b) => b.chunks?.(rendered, request));
  const serialized = serializeEvents(chunks);
  const events = hook(behaviour, 'events', serialized, (b) => b.events?.(serialized, request));
  const headers = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };
  await respond(exchange, 200, headers, encodeParts(events), request, { firstMs: settings.ttftMs, gapMs: settings.gapMs, stream: true });
}

/** Every error reply passes through the behaviour's `error` hook, then headers and write like any answer. */
async function sendError(exchange: Exchange, reply: ErrorReply, request: Json | undefined): Promise<void> {
  let shaped = reply;
  try {
    const reshaped = exchange.behaviour?.error?.(reply, request, exchange.req.socket);
    if (reshaped && typeof reshaped === 'object' && Number.isInteger(reshaped.status)) shaped = reshaped;
  } catch {
    // A broken error hook must not hide the error itself.
  }
  const { body, contentType } = errorPayload(shaped.body);
  const headers = { 'content-type': contentType, ...lowerCaseKeys(shaped.headers ?? {}) };
  await respond(exchange, shaped.status, headers, [body], request, { firstMs: 0, gapMs: 0, stream: false });
}

/** Writes a reply without any behaviour (the models list, or the report of a failed hook). */
function sendPlain(exchange: Exchange, reply: PlainReply): void {
  if (exchange.closed.aborted) exchange.res.destroy();
  else writePlain(exchange.res, reply);
}

async function respond(
  exchange: Exchange,
  status: number,
  baseHeaders: Record<string, string>,
  parts: Uint8Array[],
  request: Json | undefined,
  pacing: Pacing & { stream: boolean },
): Promise<void> {
  const { res, behaviour, settings } = exchange;
  const ctx: WriteContext = { res, closed: exchange.closed, stream: pacing.stream, ttftMs: settings.ttftMs, gapMs: settings.gapMs };
  const headers = hook(behaviour, 'headers', baseHeaders, (b) => b.headers?.(baseHeaders, request));
  if (isClosed(ctx)) return;
  try {
    res.statusCode = status;
    setHeaders(res, headers);
  } catch (error) {
    throw new HookFailure(behaviourFailed(behaviour?.name ?? 'none', 'headers', describe(error)));
  }
  if (!behaviour?.write) {
    if (!('content-length' in headers) && !pacing.stream) {
      res.setHeader('content-length', String(parts.reduce((sum, part) => sum + part.length, 0)));
    }
    await writePaced(parts, ctx, pacing);
    finish(ctx);
    return;
  }
  try {
    await behaviour.write(parts, ctx);
  } catch (error) {
    if (!res.headersSent) throw new HookFailure(behaviourFailed(behaviour.name, 'write', describe(error)));
    res.destroy();
    return;
  }
  finish(ctx);
}

function authenticated(exchange: Exchange): boolean {
  const header = exchange.req.headers.authorization;
  const expected = exchange.settings.apiKey;
  return hook(exchange.behaviour, 'authenticate', bearerMatches(header, expected), (b) => b.authenticate?.(header, expected));
}

/**
 * Runs one behaviour hook. Without a behaviour or without this hook the stage's own result stands;
 * a hook that throws or returns nothing usable becomes a HookFailure.
 */
function hook<T>(behaviour: Behaviour | undefined, stage: keyof Behaviour, fallback: T, call: (b: Behaviour) => T | undefined): T {
  if (!behaviour || typeof behaviour[stage] !== 'function') return fallback;
  let result: T | undefined;
  try {
    result = call(behaviour);
  } catch (error) {
    throw new HookFailure(behaviourFailed(behaviour.name, stage, describe(error)));
  }
  if (result === undefined || result === null || typeof result !== typeof fallback || Array.isArray(result) !== Array.isArray(fallback)) {
    throw new HookFailure(
      behaviourFailed(behaviour.name, stage, `the hook returned ${result === null ? 'null' : typeof result}, not what the stage produces`),
    );
  }
  return result;
}

/** An error hook may have swapped the envelope for text (see off-contract.ts), so any value is written. */
function errorPayload(body: unknown): { body: Buffer; contentType: string } {
  if (typeof body === 'string') return { body: Buffer.from(body, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  return { body: Buffer.from(JSON.stringify(body) ?? 'null', 'utf8'), contentType: 'application/json; charset=utf-8' };
}

function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
