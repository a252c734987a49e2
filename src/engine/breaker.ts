/**
 * Keeps a run from spending hours on a target that stopped answering: after a few consecutive exchanges that got
 * no answer in time, nothing more is sent, and the run says why. Plans run in separate workers, so the decision is
 * also written to a marker file they all read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Exchange, TransportErrorCode } from '../core/exchange.ts';

/** Errors that mean the target did not answer at all (as opposed to answering badly). */
const SILENT: ReadonlySet<TransportErrorCode> = new Set(['refused', 'dns', 'tls', 'connect-timeout', 'headers-timeout', 'idle-timeout', 'total-timeout']);

export const UNRESPONSIVE_AFTER = 3;

export interface Breaker {
  /** Why nothing more is sent, once that is decided. */
  tripped(): string | undefined;
  observe(exchange: Exchange): void;
}

export function createBreaker(markerFile?: string, limit = UNRESPONSIVE_AFTER): Breaker {
  let reason: string | undefined;
  let silentInARow = 0;
  return {
    tripped() {
      if (!reason && markerFile && existsSync(markerFile)) reason = readFileSync(markerFile, 'utf8');
      return reason;
    },
    observe(exchange) {
      const code = exchange.error?.code;
      silentInARow = code && SILENT.has(code) ? silentInARow + 1 : 0;
      if (silentInARow < limit || reason) return;
      reason = `the target stopped answering (${limit} requests in a row ended in ${code}); the rest were not sent`;
      if (markerFile) writeFileSync(markerFile, reason);
    },
  };
}
