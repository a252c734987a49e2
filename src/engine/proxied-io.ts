/**
 * The proxy capabilities of a probe's IO. Against the instrumented upstream: each request is given a marker, sent
 * through the proxy (never retried: the proxy's own answer is under test), and once the client's exchange is over
 * the upstream's record of it is awaited, within a bound, and turned into evidence. Differential: the request goes
 * through the proxy and straight to the upstream side by side.
 */
import type { Observation, ProxiedExchange } from '../core/evidence.ts';
import type { Limits } from '../core/limits.ts';
import type { UpstreamControl } from '../core/upstream.ts';
import type { SendOptions } from '../http/client.ts';
import type { DirectIO, SendChat, UpstreamIO } from '../plans/probe.ts';
import { createDataLineCounter } from '../sse/data-lines.ts';
import { type Keys, seenByUpstream } from './upstream-seen.ts';

export type Extra = Pick<SendOptions, 'leaveWhen' | 'noRetry'>;
export type SendThrough = (label: string, request: SendChat, extra: Extra) => Promise<Observation>;

/** How long the upstream may take to finish with a request once its client's exchange has ended. */
const SETTLE_MS = 2000;
/** How long a request that the proxy answered itself may take to reach the upstream after all. */
const GRACE_MS = 300;

/** The request with `marker` appended to its last user message, the one part of a chat request every proxy forwards. */
export function marked(request: SendChat, marker: string): SendChat {
  if ('rawBody' in request) throw new Error('a request through the instrumented upstream needs a JSON body to carry its marker');
  const body: Record<string, unknown> = 'body' in request ? request.body : request.invalidBody;
  const messages = Array.isArray(body['messages']) ? [...(body['messages'] as unknown[])] : [];
  const at = messages.findLastIndex(
    (m) =>
      typeof m === 'object' &&
      m !== null &&
      (m as { role?: unknown }).role === 'user' &&
      typeof (m as { content?: unknown }).content === 'string',
  );
  if (at === -1) throw new Error('a request through the instrumented upstream needs a user message to carry its marker');
  const message = messages[at] as { content: string };
  messages[at] = { ...message, content: `${message.content} ${marker}` };
  const next = { ...body, messages };
  return 'body' in request ? { ...request, body: next as typeof request.body } : { ...request, invalidBody: next };
}

const leaveAfter = (events: number): NonNullable<SendOptions['leaveWhen']> => {
  const counter = createDataLineCounter();
  return (bytes) => (counter.feed(bytes) >= events ? `the client left after ${events} data events, on purpose` : undefined);
};

export function upstreamIO(control: UpstreamControl, keys: Keys, probe: string, limits: Limits, send: SendThrough): UpstreamIO {
  let issued = 0;
  return {
    async chat(label, script, request, options = {}): Promise<ProxiedExchange> {
      // Named by probe and position, so a run sends the same bodies each time.
      issued += 1;
      const marker = control.script(`${probe}.${issued}`, script);
      const leave = options.leaveAfterEvents;
      const client = await send(label, marked(request, marker), {
        noRetry: true,
        ...(leave !== undefined ? { leaveWhen: leaveAfter(leave) } : {}),
      });
      const bounds = { graceMs: GRACE_MS, timeoutMs: Math.min(options.settleMs ?? SETTLE_MS, limits.totalMs) };
      const records = client.exchange.unsent ? [] : await control.settled(marker, bounds);
      return { client, script, upstream: records.map((r) => seenByUpstream(r, keys)) };
    },
  };
}

export function directIO(throughProxy: SendThrough, direct: (label: string, request: SendChat) => Promise<Observation>): DirectIO {
  return {
    async pair(label, request) {
      const [client, straight] = await Promise.all([throughProxy(label, request, {}), direct(label, request)]);
      return { client, direct: straight };
    },
  };
}
