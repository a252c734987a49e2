/**
 * The flags of a proxy run and of the reference proxy, parsed in process: each mistake is one ToolError (the command
 * line turns it into one `error:` line and exit 2, as test/cli.test.ts shows for a few of them).
 */
import { describe, expect, test } from 'vitest';
import { proxyFlags, splitUpstreamFlags } from '../src/cli/proxy.ts';
import { parseServeArgs } from '../src/cli/serve.ts';
import { ToolError } from '../src/run/errors.ts';
import { parseRunArgs } from '../src/run/options.ts';

const flags = (args: string[], env: NodeJS.ProcessEnv = {}) => proxyFlags(splitUpstreamFlags(args).values, env);

describe('chat-conformance proxy', () => {
  test('upstream flags are taken out, the rest left for run', () => {
    const { values, rest } = splitUpstreamFlags([
      '--target=http://p/v1',
      '--upstream',
      'http://u/v1',
      '--upstream-model=m',
      '--depth=smoke',
    ]);
    expect(values).toEqual({ upstream: 'http://u/v1', 'upstream-model': 'm' });
    expect(rest).toEqual(['--target=http://p/v1', '--depth=smoke']);
  });

  test('defaults: the instrumented upstream on port 8090, its key in CONFORMANCE_UPSTREAM_API_KEY; env fills in', () => {
    expect(flags([])).toEqual({ upstreamPort: 8090, upstreamHost: '127.0.0.1', upstreamKeyEnv: 'CONFORMANCE_UPSTREAM_API_KEY' });
    expect(flags([], { CONFORMANCE_UPSTREAM: 'http://u/v1' }).upstream).toBe('http://u/v1');
  });

  test.each([
    ['a bad port', ['--upstream-port=abc']],
    ['a port out of range', ['--upstream-port=70000']],
    ['a flag without its value', ['--upstream']],
    ['a flag given twice', ['--upstream-port=1', '--upstream-port=2']],
    ['both set-ups', ['--upstream=http://u/v1', '--upstream-port=1']],
    ['--upstream-model without --upstream', ['--upstream-model=m']],
    ['a key variable that cannot be one', ['--upstream-api-key-env=not a name']],
  ])('%s is a ToolError', (_title, args) => {
    expect(() => flags(args)).toThrow(ToolError);
  });

  test('only a proxy run may name the proxy area', () => {
    expect(() => parseRunArgs(['--only=proxy.isolation'], {})).toThrow(/chat-conformance proxy/);
    expect(parseRunArgs(['--only=proxy'], {}, { proxy: true }).config.only).toEqual(['proxy']);
  });
});

describe('chat-conformance serve --upstream', () => {
  test('starts the reference proxy, with a proxy fault when named', () => {
    const parsed = parseServeArgs(['--upstream=http://127.0.0.1:9/v1/', '--fault=buffer', '--port=0'], {});
    expect(parsed.proxy).toEqual({ upstream: 'http://127.0.0.1:9/v1', port: 0, host: '127.0.0.1', fault: 'buffer' });
  });

  test.each([
    ['a flag of the provider', ['--upstream=http://u/v1', '--gap-ms=5']],
    ['a fault of the provider', ['--upstream=http://u/v1', '--fault=no-done']],
    ['a malformed upstream', ['--upstream=not a url']],
    ['an upstream with a query string', ['--upstream=http://u/v1?x=1']],
  ])('%s is a ToolError', (_title, args) => {
    expect(() => parseServeArgs(args, {})).toThrow(ToolError);
  });
});
