/**
 * Keeps a hostile or dead target from holding a run: once a few of the latest exchanges ended without a usable
 * answer (no answer in time, a stream that stalled or ran away, a refusal that outlasted the retries), nothing more
 * is sent, the exchanges in flight are cut, and the run says why.
 */
import type { Exchange, TransportErrorCode } from '../core/exchange.ts';

/** Errors that mean the target did not answer usably: silence, a stall, a stream that would not end. */
const HOSTILE: ReadonlySet<TransportErrorCode> = new Set([
  'refused',
  'dns',
  'tls',
  'connect-timeout',
  'headers-timeout',
  'idle-timeout',
  'total-timeout',
  'runaway',
]);

/** Trips when this many of the last `WINDOW` finished exchanges ended badly. */
export const HOSTILE_LIMIT = 3;
const WINDOW = 8;

export interface Breaker {
  /** Why nothing more is sent, once that is decided. */
  tripped(): string | undefined;
  observe(exchange: Exchange): void;
  /** Aborted when the breaker trips; its reason says why. */
  signal: AbortSignal;
}

const stillRefused = (exchange: Exchange): boolean =>
  exchange.retries.length > 0 && (exchange.response?.status === 429 || exchange.response?.status === 503);

function describe(code: string): string {
  if (code === 'runaway') return 'answers kept coming far past what their request allows';
  if (code === 'rate-limited') return 'requests were still refused with 429/503 after retries';
  if (code === 'idle-timeout') return 'streams stalled';
  return `requests got no answer in time (${code})`;
}

export function createBreaker(limit = HOSTILE_LIMIT): Breaker {
  const controller = new AbortController();
  const recent: Array<string | undefined> = [];
  let reason: string | undefined;
  return {
    signal: controller.signal,
    tripped: () => reason,
    observe(exchange) {
      const code = exchange.error?.code;
      const bad = code && HOSTILE.has(code) ? code : stillRefused(exchange) ? 'rate-limited' : undefined;
      // Exchanges the breaker itself cut are its consequence, not more evidence.
      if (reason || code === 'aborted' || code === 'budget-exhausted') return;
      recent.push(bad);
      if (recent.length > WINDOW) recent.shift();
      const hostile = recent.filter((c): c is string => c !== undefined);
      if (hostile.length < limit) return;
      reason = `the target stopped answering usably (${describe(hostile[hostile.length - 1]!)}: ${hostile.length} of the last ${recent.length} exchanges); the rest were not sent`;
      controller.abort(new Error(reason));
    },
  };
}
