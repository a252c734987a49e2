/** Bounds on one exchange, and on what a probe asks a model to generate. */

export interface Limits {
  connectMs: number;
  /** Request start to response headers. */
  headersMs: number;
  /** Longest silence allowed between body bytes. */
  idleMs: number;
  /** Deadline for a whole exchange. */
  totalMs: number;
  /** Body bytes read before the exchange is cut. */
  maxBytes: number;
}

/** Largest max_tokens a probe sends unless its check needs more. */
export const CHEAP_MAX_TOKENS = 16;
