/**
 * Errors of the tool itself (bad flags, unusable target), as opposed to findings about a target.
 * The CLI prints one `error: <message>` line and exits 2; it never prints a stack for these.
 */
export type ToolErrorCode =
  | 'CC_BAD_FLAG' // unknown flag, missing value, value out of its domain
  | 'CC_BAD_TARGET' // not an http(s) URL
  | 'CC_UNREACHABLE' // refused, DNS, TLS, not HTTP
  | 'CC_UNAUTHORIZED' // the target refused the credentials on a plain request
  | 'CC_NO_MODEL'; // no --model and GET /models did not name one

export class ToolError extends Error {
  readonly code: ToolErrorCode;
  constructor(code: ToolErrorCode, message: string) {
    super(message);
    this.name = 'ToolError';
    this.code = code;
  }
}

/** The exit status for an invocation error or an unusable target. */
export const EXIT_USAGE = 2;
