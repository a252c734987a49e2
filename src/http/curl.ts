/** A copy-pasteable curl command that replays a recorded request, with the API key taken from the environment. */

import type { RecordedRequest } from '../core/exchange.ts';
import { looksLikeCredentialName, REDACTED } from './redact.ts';

export const DEFAULT_API_KEY_ENV = 'CONFORMANCE_API_KEY';

/** Headers curl computes itself; replaying the recorded value could contradict the body curl sends. */
const COMPUTED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

const SAFE_WORD = /^[A-Za-z0-9_\-.,:/=@%+]+$/;
/** Characters that keep their literal meaning inside double quotes (no `$`, backquote, `\`, `"` or history `!`). */
const DOUBLE_QUOTE_SAFE = /^[^"$`\\!\r\n]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** POSIX single-quoting: everything literal; a `'` closes the quote, is escaped, and reopens it. */
export function shellQuote(text: string): string {
  if (SAFE_WORD.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const displayName = (name: string): string => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/** `Name: value` with each `[REDACTED]` turned into an expansion of the key's environment variable. */
function withKeyFromEnv(header: string, env: string): string {
  const literals = header.split(REDACTED);
  if (literals.every((part) => DOUBLE_QUOTE_SAFE.test(part))) {
    return `"${literals.reduce((word, part) => `${word}${/^[A-Za-z0-9_]/.test(part) ? `\${${env}}` : `$${env}`}${part}`)}"`;
  }
  return literals.map((part) => (part === '' ? '' : `'${part.replace(/'/g, `'\\''`)}'`)).join(`"$${env}"`);
}

function isStreamRequest(body: string | undefined): boolean {
  if (body === undefined) return false;
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['stream'] === true;
  } catch {
    return /"stream"\s*:\s*true/.test(body);
  }
}

/**
 * One curl command line. `--data-raw` sends the body exactly, and unlike `--data-binary` never reads a file when the
 * body starts with `@`. A body containing newlines stays inside its single quotes, so the command is still one
 * shell command even if it spans lines.
 */
export function curlFor(request: RecordedRequest, opts: { apiKeyEnv?: string } = {}): string {
  const env = opts.apiKeyEnv && ENV_NAME.test(opts.apiKeyEnv) ? opts.apiKeyEnv : DEFAULT_API_KEY_ENV;
  const words = ['curl', '-sS', '-i'];
  if (isStreamRequest(request.body)) words.push('-N');
  if (request.method !== 'GET' && request.body === undefined) words.push('-X', request.method);
  if (request.method === 'GET' && request.body !== undefined) words.push('-X', 'GET');
  words.push(shellQuote(request.url));
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (COMPUTED_HEADERS.has(lower)) continue;
    const header = `${displayName(lower)}: ${value}`;
    const carriesKey = (lower === 'proxy-authorization' || looksLikeCredentialName(lower)) && value.includes(REDACTED);
    words.push('-H', carriesKey ? withKeyFromEnv(header, env) : shellQuote(header));
  }
  if (request.body !== undefined) words.push('--data-raw', shellQuote(request.body));
  return words.join(' ');
}
