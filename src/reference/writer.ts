/**
 * Writing a response body: the context handed to writers (so they notice a client that went away)
 * and the server's own paced writer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WriteContext } from './behaviour.ts';

export interface Pacing {
  /** Wait before the first part. */
  firstMs: number;
  /** Wait between parts. */
  gapMs: number;
  /** Send the status line and headers before the first wait (streams), so headers are timely. */
  flushHeadersFirst: boolean;
}

/**
 * A context whose `closed` settles when the response closes for any reason: finished, the client
 * disconnected, or the response outlived `maxResponseMs` (then it is cut, which bounds endless output).
 */
export function createWriteContext(
  req: IncomingMessage,
  res: ServerResponse,
  latency: { ttftMs: number; gapMs: number },
  maxResponseMs: number,
): WriteContext {
  let isClosed = false;
  const closed = new Promise<void>((resolve) => {
    const done = (): void => {
      isClosed = true;
      clearTimeout(deadline);
      resolve();
    };
    const deadline = setTimeout(() => {
      isClosed = true;
      res.destroy();
    }, maxResponseMs);
    deadline.unref();
    res.once('close', done);
  });
  return { req, res, closed, isClosed: () => isClosed || res.destroyed, ttftMs: latency.ttftMs, gapMs: latency.gapMs };
}

export async function writeParts(parts: Uint8Array[], ctx: WriteContext, pacing: Pacing): Promise<void> {
  const { res } = ctx;
  if (pacing.flushHeadersFirst && !res.headersSent && !ctx.isClosed()) res.flushHeaders();
  for (let i = 0; i < parts.length; i += 1) {
    const wait = i === 0 ? pacing.firstMs : pacing.gapMs;
    if (wait > 0) await sleepUnlessClosed(wait, ctx);
    if (ctx.isClosed()) return;
    if (!res.write(parts[i] as Uint8Array)) await drainedOrClosed(ctx);
  }
  if (!ctx.isClosed()) res.end();
}

/** Listeners are removed again, so a long stream of waits does not pile callbacks onto the response. */
export function sleepUnlessClosed(ms: number, ctx: WriteContext): Promise<void> {
  return untilEventOrClose(ctx, (wake) => {
    const timer = setTimeout(wake, ms);
    return () => clearTimeout(timer);
  });
}

function drainedOrClosed(ctx: WriteContext): Promise<void> {
  return untilEventOrClose(ctx, (wake) => {
    ctx.res.once('drain', wake);
    return () => ctx.res.off('drain', wake);
  });
}

function untilEventOrClose(ctx: WriteContext, arm: (wake: () => void) => () => void): Promise<void> {
  if (ctx.isClosed()) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      disarm();
      ctx.res.off('close', wake);
      resolve();
    };
    const disarm = arm(wake);
    ctx.res.once('close', wake);
  });
}
