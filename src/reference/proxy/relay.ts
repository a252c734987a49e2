/**
 * How the reference proxy passes an upstream body on: as it arrives (faithful), held back until the end, or event by
 * event through a filter. Each relay stops writing once the client has gone, and says what to do when the upstream
 * breaks off: the faithful answer is to break off too, so the client cannot take a cut answer for a whole one.
 */
import type { ServerResponse } from 'node:http';
import { StringDecoder } from 'node:string_decoder';

export interface Relay {
  data(chunk: Buffer): void;
  /** The upstream body ended normally. */
  end(): void;
  /** The upstream connection broke before the body was complete. */
  broken(): void;
}

export const writable = (res: ServerResponse): boolean => !res.destroyed && !res.writableEnded;

const write = (res: ServerResponse, chunk: Buffer | string): void => {
  if (writable(res)) res.write(chunk);
};

export function faithfulRelay(res: ServerResponse): Relay {
  return {
    data: (chunk) => write(res, chunk),
    end: () => writable(res) && res.end(),
    broken: () => res.destroy(),
  };
}

/** Writes nothing until the upstream has finished, then everything at once. */
export function bufferedRelay(res: ServerResponse): Relay {
  const held: Buffer[] = [];
  return {
    data: (chunk) => held.push(chunk),
    end: () => writable(res) && res.end(Buffer.concat(held)),
    broken: () => res.destroy(),
  };
}

/** Passes whole SSE events through `keep`; bytes after the last complete event go out at the end. */
export function eventRelay(res: ServerResponse, keep: (event: string) => boolean): Relay {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const flush = (final: boolean): void => {
    const events = pending.split(/(?<=\r?\n\r?\n)/);
    pending = final ? '' : (events.pop() ?? '');
    for (const event of events) if (keep(event)) write(res, event);
  };
  return {
    data: (chunk) => {
      pending += decoder.write(chunk);
      flush(false);
    },
    end: () => {
      pending += decoder.end();
      flush(true);
      if (writable(res)) res.end();
    },
    broken: () => res.destroy(),
  };
}
