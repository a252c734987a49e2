/**
 * The behaviours the instrumented upstream plays when a request asks for one (through its marker): a paced answer,
 * an error with the error object, a refused connection, a stream cut (after a stall), an oversized answer. Each is
 * a Behaviour for this request alone; `cutting` is called just before the upstream cuts a connection on purpose,
 * so the recording can tell that from its peer leaving.
 */
import type { UpstreamScript } from '../core/upstream.ts';
import type { Behaviour, ErrorReply } from './behaviour.ts';
import { type ErrorType, errorReply } from './error-replies.ts';
import { finish, pause, writePaced } from './paced-writer.ts';

const ERROR_TYPES: Record<number, ErrorType> = { 401: 'authentication_error', 404: 'not_found_error', 429: 'rate_limit_error' };

/** The error object an upstream sends with `status`: one a proxy must pass on unchanged. */
export function scriptedError(status: number, retryAfter?: string): ErrorReply {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
  const error = {
    message: `Scripted upstream answer: HTTP ${status}.`,
    type,
    param: status === 400 || status === 422 ? 'temperature' : null,
    code: `upstream_${status}`,
  };
  return errorReply(status, error, retryAfter === undefined ? undefined : { 'Retry-After': retryAfter });
}

const FILLER = ' The quick brown fox jumps over the lazy dog.';

/** The Behaviour that answers as `script` says; undefined for a plain answer (the provider's own pipeline). */
export function scriptedBehaviour(script: UpstreamScript, cutting: () => void): Behaviour | undefined {
  const base = { name: `scripted-${script.kind}`, kind: 'variant' as const, description: 'a scripted upstream answer', detectedBy: [] };
  switch (script.kind) {
    case 'answer':
      if (script.gapMs === undefined) return undefined;
      return {
        ...base,
        async write(parts, ctx) {
          await writePaced(parts, ctx, { firstMs: ctx.ttftMs, gapMs: ctx.stream ? (script.gapMs ?? 0) : 0 });
          finish(ctx);
        },
      };
    case 'error':
      return { ...base, validate: () => [scriptedError(script.status, script.retryAfter)] };
    case 'refuse':
      return {
        ...base,
        async write(_parts, ctx) {
          cutting();
          ctx.res.destroy();
        },
      };
    case 'cut':
      return {
        ...base,
        async write(parts, ctx) {
          if (await writePaced(parts.slice(0, script.afterEvents), ctx, { firstMs: ctx.ttftMs, gapMs: ctx.gapMs })) {
            // Let the written events leave before the socket goes, so the peer sees a body cut short.
            await pause(Math.max(5, script.holdMs ?? 0), ctx);
          }
          cutting();
          ctx.res.destroy();
        },
      };
    case 'large':
      return {
        ...base,
        response(body) {
          const first = body.choices[0];
          if (!first) return body;
          const content = first.message.content ?? '';
          const padding = FILLER.repeat(Math.max(0, Math.ceil((script.bytes - content.length) / FILLER.length)));
          return { ...body, choices: [{ ...first, message: { ...first.message, content: content + padding } }, ...body.choices.slice(1)] };
        },
      };
  }
}
