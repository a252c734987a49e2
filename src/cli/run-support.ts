/** What the run commands share: stderr notes, signals that stop a run without killing it, a usable report folder. */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ToolError } from '../run/errors.ts';

export const note = (line: string) => process.stderr.write(`${line}\n`);

interface Interruption {
  signal: AbortSignal;
  reason(): string | undefined;
}

/** Ctrl-C and SIGTERM abort the run instead of killing the process, so the report can still be written. */
export function trapSignals(): Interruption & { release(): void } {
  const controller = new AbortController();
  let reason: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (reason) return;
    reason = `interrupted by ${signal}`;
    note(`\n${signal}: stopping; the report will be marked incomplete`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    reason: () => reason,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** An unusable report folder is an invocation error, found before any request is spent. */
export async function assertWritable(dir: string): Promise<void> {
  try {
    // One level at a time: a recursive mkdir can spin forever below some virtual file systems (/proc).
    const missing: string[] = [];
    for (let at = resolve(dir); !existsSync(at); at = dirname(at)) missing.unshift(at);
    for (const level of missing) {
      // Another process (a second shard) may create the same level at the same moment.
      await mkdir(level).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dir, constants.W_OK);
  } catch (error) {
    const why = error instanceof Error && 'code' in error ? String(error.code) : 'not writable';
    throw new ToolError('CC_BAD_FLAG', `--report-dir ${dir} cannot be written (${why})`);
  }
}
