import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ToolError } from './errors.ts';

/** node's `parseArgs`, its complaint turned into one `error:` line, with a hint of where to look. */
export function parseFlags<T extends ParseArgsConfig>(config: T, hint?: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const first = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new ToolError('CC_BAD_FLAG', hint === undefined ? first : `${first} (${hint})`);
  }
}
