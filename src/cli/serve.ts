/**
 * `chat-conformance serve`: run the reference provider in the foreground, or with `--upstream URL` the reference
 * proxy (a faithful pass-through, or with `--fault` a faulty one). Stdout carries exactly one line, the base URL,
 * so scripts can capture it; everything else goes to stderr.
 */

import type { Behaviour } from '../reference/behaviour.ts';
import { behaviours, findBehaviour } from '../reference/catalogue.ts';
import { findProxyFault, type ProxyFault, proxyFaults } from '../reference/proxy/faults.ts';
import { type ProxyOptions, type RunningProxy, startProxy } from '../reference/proxy/server.ts';
import { DEFAULT_API_KEY, type ReferenceOptions, type RunningReference, startReference } from '../reference/server.ts';
import { EXIT_USAGE, ToolError } from '../run/errors.ts';
import { parseFlags } from '../run/flags.ts';
import { normaliseTarget } from '../run/options.ts';

export const SERVE_USAGE =
  'chat-conformance serve [--port N] [--host H] [--api-key K] [--ttft-ms N] [--gap-ms N] [--fault NAME] [--variant NAME] [--seed N] [--list-faults]\n' +
  '       chat-conformance serve --upstream URL [--port N] [--host H] [--fault NAME]   (the reference proxy, forwarding to URL)';

/** Flags of the reference provider that mean nothing to the reference proxy. */
const PROVIDER_ONLY = ['api-key', 'ttft-ms', 'gap-ms', 'variant', 'seed'] as const;

/** By default tokens arrive a few milliseconds apart, so a stream is observably incremental, as a real model's is. */
const DEFAULT_GAP_MS = 5;

const DEFAULT_PORT = 8080;

export async function serve(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`Usage: ${SERVE_USAGE}\n`);
    return 0;
  }
  let options: ReferenceOptions;
  let listOnly: boolean;
  let proxy: ProxyOptions | undefined;
  try {
    ({ options, listOnly, proxy } = parseServeArgs(args, process.env));
  } catch (error) {
    return fail(error);
  }
  if (listOnly) {
    process.stdout.write(listBehaviours(behaviours) + listProxyFaults(proxyFaults));
    return 0;
  }

  let running: RunningReference | RunningProxy;
  try {
    running = proxy ? await startProxy(proxy) : await startReference(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const { port, host } = proxy ?? options;
    if (code === 'EADDRINUSE') return fail(new ToolError('CC_BAD_FLAG', `port ${port} is already in use`));
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return fail(new ToolError('CC_BAD_FLAG', `cannot listen on host ${host}`));
    if (code === 'EACCES') return fail(new ToolError('CC_BAD_FLAG', `not allowed to listen on port ${port}`));
    return fail(error);
  }
  process.stdout.write(`${running.url}\n`);
  if (proxy) {
    const faultNote = proxy.fault ? ` with proxy fault ${proxy.fault}` : '';
    process.stderr.write(`reference proxy listening, forwarding to ${proxy.upstream}${faultNote}; stop with Ctrl-C\n`);
  } else {
    const behaviourNote = options.behaviour ? ` with ${findBehaviour(options.behaviour)?.kind} ${options.behaviour}` : '';
    process.stderr.write(`reference provider listening${behaviourNote}; stop with Ctrl-C\n`);
  }

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await running.close();
  return 0;
}

/** Flags → options. Throws ToolError for anything it cannot use. */
export function parseServeArgs(
  args: string[],
  env: NodeJS.ProcessEnv,
): { options: ReferenceOptions; listOnly: boolean; proxy?: ProxyOptions } {
  const { values } = parseFlags(
    {
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        'ttft-ms': { type: 'string' },
        'gap-ms': { type: 'string' },
        fault: { type: 'string' },
        variant: { type: 'string' },
        seed: { type: 'string' },
        upstream: { type: 'string' },
        'list-faults': { type: 'boolean' },
      },
    },
    'see serve --help',
  );
  if (values.upstream !== undefined) return { options: {}, listOnly: values['list-faults'] === true, proxy: proxyOptions(values) };
  if (values.fault !== undefined && values.variant !== undefined) {
    throw new ToolError('CC_BAD_FLAG', '--fault and --variant cannot be combined');
  }
  const behaviour = values.fault ?? values.variant;
  if (behaviour !== undefined) requireBehaviour(behaviour, values.fault !== undefined ? 'fault' : 'variant');

  const options: ReferenceOptions = {
    port: integerFlag('--port', values.port, 0, 65_535) ?? DEFAULT_PORT,
    host: values.host ?? '127.0.0.1',
    apiKey: values['api-key'] ?? nonEmpty(env.CONFORMANCE_API_KEY) ?? DEFAULT_API_KEY,
    ttftMs: integerFlag('--ttft-ms', values['ttft-ms'], 0, 600_000) ?? 0,
    gapMs: integerFlag('--gap-ms', values['gap-ms'], 0, 600_000) ?? DEFAULT_GAP_MS,
    seed: integerFlag('--seed', values.seed, 0, 2 ** 32 - 1) ?? 0,
  };
  if (behaviour !== undefined) options.behaviour = behaviour;
  if (options.host === '') throw new ToolError('CC_BAD_FLAG', '--host must not be empty');
  if (options.apiKey === '') throw new ToolError('CC_BAD_FLAG', '--api-key must not be empty');
  return { options, listOnly: values['list-faults'] === true };
}

function proxyOptions(values: Record<string, string | boolean | undefined>): ProxyOptions {
  const misplaced = PROVIDER_ONLY.find((flag) => values[flag] !== undefined);
  if (misplaced)
    throw new ToolError(
      'CC_BAD_FLAG',
      `--${misplaced} is a flag of the reference provider; the proxy (--upstream) forwards requests as they come`,
    );
  const upstream = normaliseTarget(String(values['upstream']), '--upstream');
  const fault = typeof values['fault'] === 'string' ? values['fault'] : undefined;
  if (fault !== undefined && !findProxyFault(fault)) {
    const hint = findBehaviour(fault) ? `${fault} is a fault of the reference provider, not of the proxy` : 'see --list-faults';
    throw new ToolError('CC_BAD_FLAG', `unknown proxy fault ${JSON.stringify(fault)} (${hint})`);
  }
  const host = typeof values['host'] === 'string' ? values['host'] : '127.0.0.1';
  if (host === '') throw new ToolError('CC_BAD_FLAG', '--host must not be empty');
  const port = integerFlag('--port', typeof values['port'] === 'string' ? values['port'] : undefined, 0, 65_535) ?? DEFAULT_PORT;
  return { upstream, port, host, ...(fault !== undefined ? { fault } : {}) };
}

function requireBehaviour(name: string, kind: 'fault' | 'variant'): void {
  const found = findBehaviour(name);
  if (found?.kind === kind) return;
  const hint = found ? `${name} is a ${found.kind}, use --${found.kind}` : 'see --list-faults';
  throw new ToolError('CC_BAD_FLAG', `unknown ${kind} ${JSON.stringify(name)} (${hint})`);
}

function integerFlag(flag: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw.trim())) throw new ToolError('CC_BAD_FLAG', `${flag} expects a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ToolError('CC_BAD_FLAG', `${flag} must be between ${min} and ${max}, got ${raw}`);
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Faults, then legal variants: name, kind and what each does, one per line. */
export function listBehaviours(all: readonly Behaviour[]): string {
  const width = Math.max(0, ...all.map((b) => b.name.length));
  const section = (kind: Behaviour['kind'], title: string): string[] => {
    const members = all.filter((b) => b.kind === kind);
    const seenBy = (b: Behaviour) => (b.observedBy?.length ? ` (seen by ${b.observedBy.join(', ')})` : '');
    return [title, ...members.map((b) => `  ${b.name.padEnd(width)}  ${b.kind.padEnd(7)}  ${b.description}${seenBy(b)}`)];
  };
  const variants =
    'Legal variants (a correct client accepts each; those seen by checks follow another reading: a warning under documented, a failure under strict):';
  return `${[...section('fault', 'Faults (each breaks one rule):'), '', ...section('variant', variants)].join('\n')}\n`;
}

/** The reference proxy's faults, one per line. */
export function listProxyFaults(all: readonly ProxyFault[]): string {
  const width = Math.max(0, ...all.map((f) => f.name.length));
  return (
    ['', 'Proxy faults (serve --upstream URL --fault NAME):', ...all.map((f) => `  ${f.name.padEnd(width)}  ${f.description}`)].join('\n') +
    '\n'
  );
}

function fail(error: unknown): number {
  const message = error instanceof ToolError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  return EXIT_USAGE;
}
