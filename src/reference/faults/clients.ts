/**
 * Faults only a client library meets: a stream the client cancels mid-way (a stop button) that the server does not
 * let go of, so the conversation cannot be asked again.
 */
import { isRecord } from '../../core/json.ts';
import type { Behaviour, ConnectionKey } from '../behaviour.ts';
import { errorReply } from '../error-replies.ts';
import { finish, writePaced } from '../paced-writer.ts';

/** Least time between stream events. */
const GENERATION_GAP_MS = 10;

/** A conversation is its messages, as sent. */
const conversationOf = (request: unknown): string | undefined => (isRecord(request) ? JSON.stringify(request['messages']) : undefined);

function createCancelPoisons(): Behaviour {
  /** The conversation each connection is streaming, for the writer to look up. */
  const streaming = new WeakMap<ConnectionKey, string>();
  /** Conversations whose stream the client left mid-way. */
  const abandoned = new Set<string>();
  return {
    name: 'cancel-poisons-conversation',
    kind: 'fault',
    description: 'After a client cancels a stream mid-way, the next request with the same messages is answered 500.',
    detectedBy: ['clients.cancel-mid-stream'],
    validate(request, errors, connection) {
      const conversation = conversationOf(request);
      if (conversation === undefined) return errors;
      if (abandoned.delete(conversation)) {
        return [
          errorReply(500, {
            message: 'The abandoned generation of this conversation still holds its state.',
            type: 'server_error',
            param: null,
            code: 'generation_abandoned',
          }),
        ];
      }
      if (request['stream'] === true) streaming.set(connection, conversation);
      return errors;
    },
    async write(parts, ctx) {
      const socket = ctx.res.socket;
      const conversation = ctx.stream && socket ? streaming.get(socket) : undefined;
      // Paced like a real generation, so a client that cancels after the first text does so while it is still written.
      const gapMs = ctx.stream ? Math.max(ctx.gapMs, GENERATION_GAP_MS) : ctx.gapMs;
      // Noticed as the connection closes, not at the next paced write: the client may ask again at once.
      if (conversation !== undefined) {
        ctx.res.once('close', () => {
          if (!ctx.res.writableFinished) abandoned.add(conversation);
        });
      }
      await writePaced(parts, ctx, { firstMs: ctx.ttftMs, gapMs });
      finish(ctx);
    },
  };
}

export const clientsFaults: readonly Behaviour[] = [createCancelPoisons()];
