/** Command dispatch. Tool errors become one `error:` line and exit 2; nothing here prints a stack trace. */

import { EXIT_USAGE, ToolError } from '../run/errors.ts';
import { toolVersion } from '../run/version.ts';
import { MAIN_USAGE } from './usage.ts';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import('./run.ts')).run,
  proxy: async () => (await import('./proxy.ts')).proxy,
  serve: async () => (await import('./serve.ts')).serve,
  gen: async () => (await import('./gen.ts')).gen,
  bench: async () => (await import('./bench.ts')).bench,
  merge: async () => (await import('./merge.ts')).merge,
  history: async () => (await import('./history.ts')).history,
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(MAIN_USAGE);
      return 0;
    }
    if (first === '--version') {
      process.stdout.write(`${toolVersion()}\n`);
      return 0;
    }
    // Flags without a command mean `run`, so `npm test -- --target=URL` reads naturally.
    const name = first === undefined || first.startsWith('-') ? 'run' : first;
    const load = commands[name];
    if (!load) throw new ToolError('CC_BAD_FLAG', `unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return await (await load())(name === 'run' && first !== 'run' ? argv : rest);
  } catch (error) {
    if (error instanceof ToolError) {
      process.stderr.write(`error: ${error.message}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`error: internal error: ${message.split('\n')[0]}\n`);
      if (process.env['CONFORMANCE_DEBUG'] && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    }
    return EXIT_USAGE;
  }
}
