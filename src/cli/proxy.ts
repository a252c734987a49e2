/**
 * `chat-conformance proxy`: a run against a proxy under test. Every `run` flag applies (`--target` is the proxy);
 * the upstream flags choose the set-up: the tool's own instrumented upstream (default), or `--upstream URL` for a
 * differential run against any upstream. Exit codes as for `run`.
 */
import { ToolError } from '../run/errors.ts';
import { parseRunArgs } from '../run/options.ts';
import { DEFAULT_UPSTREAM_KEY_ENV, DEFAULT_UPSTREAM_PORT, type ProxyFlags, prepareProxy } from '../run/proxy-target.ts';
import { conduct } from './run.ts';
import { PROXY_USAGE } from './usage.ts';

/** Flags of the proxy command beyond `run`'s, and their environment variables. */
const UPSTREAM_FLAGS = {
  upstream: 'CONFORMANCE_UPSTREAM',
  'upstream-port': 'CONFORMANCE_UPSTREAM_PORT',
  'upstream-host': 'CONFORMANCE_UPSTREAM_HOST',
  'upstream-api-key-env': 'CONFORMANCE_UPSTREAM_API_KEY_ENV',
  'upstream-model': 'CONFORMANCE_UPSTREAM_MODEL',
} as const;
type UpstreamFlag = keyof typeof UPSTREAM_FLAGS;

const isUpstreamFlag = (name: string): name is UpstreamFlag => Object.hasOwn(UPSTREAM_FLAGS, name);

/** The upstream flags taken out of `args`, and the rest, for `run`'s parser. */
export function splitUpstreamFlags(args: readonly string[]): { values: Partial<Record<UpstreamFlag, string>>; rest: string[] } {
  const values: Partial<Record<UpstreamFlag, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    const name = match?.[1];
    if (!match || name === undefined || !isUpstreamFlag(name)) {
      rest.push(arg);
      continue;
    }
    if (match[2] === undefined) i += 1;
    const value = match[2] ?? args[i];
    if (value === undefined || (match[2] === undefined && value.startsWith('--')))
      throw new ToolError('CC_BAD_FLAG', `--${name} needs a value`);
    if (values[name] !== undefined) throw new ToolError('CC_BAD_FLAG', `--${name} is given twice`);
    values[name] = value;
  }
  return { values, rest };
}

export function proxyFlags(values: Partial<Record<UpstreamFlag, string>>, env: NodeJS.ProcessEnv): ProxyFlags {
  const text = (flag: UpstreamFlag): string | undefined => values[flag] ?? (env[UPSTREAM_FLAGS[flag]] || undefined);
  const upstream = text('upstream');
  const port = text('upstream-port');
  if (upstream !== undefined && port !== undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      '--upstream (a differential run against that upstream) and --upstream-port (the instrumented upstream) exclude each other',
    );
  }
  if (port !== undefined && (!/^\d+$/.test(port) || Number(port) > 65_535)) {
    throw new ToolError('CC_BAD_FLAG', `--upstream-port must be a whole number between 0 and 65535, got "${port}"`);
  }
  const keyEnv = text('upstream-api-key-env') ?? DEFAULT_UPSTREAM_KEY_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(keyEnv))
    throw new ToolError('CC_BAD_FLAG', `--upstream-api-key-env must name an environment variable, got "${keyEnv}"`);
  const host = text('upstream-host') ?? '127.0.0.1';
  const model = text('upstream-model');
  if (model !== undefined && upstream === undefined)
    throw new ToolError('CC_BAD_FLAG', '--upstream-model applies to a differential run (--upstream URL)');
  return {
    ...(upstream !== undefined ? { upstream } : {}),
    upstreamPort: port === undefined ? DEFAULT_UPSTREAM_PORT : Number(port),
    upstreamHost: host,
    upstreamKeyEnv: keyEnv,
    ...(model !== undefined ? { upstreamModel: model } : {}),
  };
}

export async function proxy(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(PROXY_USAGE);
    return 0;
  }
  const { values, rest } = splitUpstreamFlags(args);
  const flags = proxyFlags(values, process.env);
  const parsed = parseRunArgs(rest, process.env, { proxy: true });
  return conduct(parsed, (config, options) => prepareProxy(config, flags, options));
}
