/**
 * The one paced writer. Every body, the server's own and every write hook's, goes out through these:
 * each wait ends as soon as the client goes away, and each write honours backpressure.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WriteContext } from './behaviour.ts';

export interface Pacing {
  /** Wait before the first part. */
  firstMs: number;
  /** Wait between parts. */
  gapMs: number;
}

/**
 * Aborts when the response closes for any reason: finished, the client disconnected, or the response
 * outlived `maxResponseMs` (then it is cut, which bounds endless output).
 */
export function closeSignal(res: ServerResponse, maxResponseMs: number): AbortSignal {
  const controller = new AbortController();
  const deadline = setTimeout(() => {
    controller.abort();
    res.destroy();
  }, maxResponseMs);
  deadline.unref();
  res.once('close', () => {
    clearTimeout(deadline);
    controller.abort();
  });
  return controller.signal;
}

export function isClosed(ctx: WriteContext): boolean {
  return ctx.closed.aborted || ctx.res.destroyed;
}

export async function pause(ms: number, ctx: WriteContext): Promise<void> {
  if (ms <= 0 || ctx.closed.aborted) return;
  try {
    await sleep(ms, undefined, { signal: ctx.closed });
  } catch {
    // Aborted: the client left, so the writer stops waiting.
  }
}

/** Writes with backpressure; false once the client has gone away. */
export async function send(ctx: WriteContext, bytes: Uint8Array): Promise<boolean> {
  if (isClosed(ctx)) return false;
  if (!ctx.res.write(bytes)) {
    try {
      await once(ctx.res, 'drain', { signal: ctx.closed });
    } catch {
      return false;
    }
  }
  return !isClosed(ctx);
}

/** Streams send their status line and headers before the first wait, so headers are timely however slow the body. */
export function flushStreamHeaders(ctx: WriteContext): void {
  if (ctx.stream && !ctx.res.headersSent && !isClosed(ctx)) ctx.res.flushHeaders();
}

/** One part after another, `firstMs` before the first and `gapMs` between the rest; false once the client has gone away. */
export async function writePaced(parts: Uint8Array[], ctx: WriteContext, pacing: Pacing): Promise<boolean> {
  flushStreamHeaders(ctx);
  for (const [i, part] of parts.entries()) {
    await pause(i === 0 ? pacing.firstMs : pacing.gapMs, ctx);
    if (!(await send(ctx, part))) return false;
  }
  return true;
}

export function finish(ctx: WriteContext): void {
  if (!ctx.res.writableEnded && !isClosed(ctx)) ctx.res.end();
}
