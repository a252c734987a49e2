/** Reads a request body with a hard size limit: past the limit nothing more is kept in memory. */
import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'complete'; bytes: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/**
 * Bytes past the limit are counted and dropped so the client can still read the 413 on a healthy
 * connection; a client that keeps sending beyond `discardLimit` has its connection cut.
 */
export function readBody(req: IncomingMessage, limit: number, discardLimit = 64 * 1024 * 1024): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyRead): void => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const overflow = (): void => {
      chunks.length = 0;
      settle({ kind: 'too-large' });
    };
    if (Number.isFinite(declared) && declared > limit) overflow();
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) {
        if (!settled) overflow();
        if (received > discardLimit) req.destroy();
        return;
      }
      if (!settled) chunks.push(chunk);
    });
    req.on('end', () => settle({ kind: 'complete', bytes: Buffer.concat(chunks) }));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle({ kind: 'aborted' }));
  });
}
