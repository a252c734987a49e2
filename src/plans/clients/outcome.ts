/** What a client library call produced, kept as plain JSON: the value it returned, and what it threw. */
import type { ClientError } from '../../core/evidence.ts';

export interface CallResult {
  returned?: Record<string, unknown>;
  threw?: ClientError;
}

/** Longest error message kept. */
const MESSAGE_CHARS = 1000;

export function clientError(error: unknown): ClientError {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error).slice(0, MESSAGE_CHARS) };
  const type = error.constructor.name;
  const name = type && type !== 'Error' && type !== 'DOMException' ? type : error.name;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return { name, message: error.message.slice(0, MESSAGE_CHARS), ...(typeof status === 'number' ? { status } : {}) };
}

/** Runs a call; what it returns, or what it throws, becomes the result. */
export async function capture(call: () => Promise<Record<string, unknown>>): Promise<CallResult> {
  try {
    return { returned: await call() };
  } catch (error) {
    return { threw: clientError(error) };
  }
}

/** A value as plain JSON (undefined when it has none). */
export function plain(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return String(value);
  }
}
