/**
 * A `fetch` that answers with a recorded exchange instead of sending: a second client library reads the very bytes
 * the first one's request got, split as the reads arrived, cut where the exchange was cut.
 */
import type { Observation } from '../core/evidence.ts';
import { fetchResponse } from '../http/fetch-response.ts';

export function replayFetch(observation: Observation): typeof fetch {
  const { exchange } = observation;
  return async () => {
    const response = exchange.response;
    if (!response || exchange.unsent) throw new TypeError(`fetch failed: ${exchange.error?.message ?? 'no response'}`);
    const reads = exchange.reads.map((r) => r.bytes); // each call reads the record afresh
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = reads.shift();
        if (next) controller.enqueue(next);
        else if (exchange.error) controller.error(new TypeError(`terminated: ${exchange.error.message}`));
        else controller.close();
      },
    });
    return fetchResponse(response, body);
  };
}
