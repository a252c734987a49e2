import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import type { RecordedRequest } from '../src/core/exchange.ts';
import { curlFor, shellQuote } from '../src/http/curl.ts';
import { HIDDEN, maskSecretBytes, REDACTED, redactHeaders, redactText, stripUrlCredentials } from '../src/http/redact.ts';

const KEY = 'sk-abc/def+ghi=123';

describe('redactText', () => {
  test('replaces every occurrence of a secret and of its URL-encoded form', () => {
    const text = `key ${KEY} again ${KEY} and encoded ${encodeURIComponent(KEY)}`;
    expect(redactText(text, [KEY])).toBe(`key ${REDACTED} again ${REDACTED} and encoded ${REDACTED}`);
  });

  test('ignores secrets shorter than 4 characters and leaves other text alone', () => {
    expect(redactText('abc abcd', ['abc'])).toBe('abc abcd');
    expect(redactText('nothing here', [KEY])).toBe('nothing here');
  });

  test('a secret containing another is replaced whole', () => {
    expect(redactText('xx-secret-long yy', ['secret', 'xx-secret-long'])).toBe(`${REDACTED} yy`);
  });
});

describe('redactHeaders', () => {
  test('credential headers are always masked; the run key becomes [REDACTED], other credentials [HIDDEN]', () => {
    const out = redactHeaders(
      {
        Authorization: `Bearer ${KEY}`,
        'Proxy-Authorization': 'Basic dXNlcjpwYXNz',
        'api-key': KEY,
        'X-Api-Key': 'another-key',
        Cookie: 'session=1',
        'x-auth-token': 'tok-123456',
        'Content-Type': 'application/json',
        'x-ratelimit-remaining-tokens': '1000',
        'x-echo': `you sent ${KEY}`,
      },
      [KEY],
    );
    expect(out).toEqual({
      authorization: `Bearer ${REDACTED}`,
      'proxy-authorization': `Basic ${HIDDEN}`,
      'api-key': REDACTED,
      'x-api-key': HIDDEN,
      cookie: HIDDEN,
      'x-auth-token': HIDDEN,
      'content-type': 'application/json',
      'x-ratelimit-remaining-tokens': '1000',
      'x-echo': `you sent ${REDACTED}`,
    });
  });

  test('an Authorization value without a scheme is masked whole', () => {
    expect(redactHeaders({ authorization: KEY }, [KEY])).toEqual({ authorization: REDACTED });
    expect(redactHeaders({ authorization: 'opaque' }, [])).toEqual({ authorization: HIDDEN });
  });

  test('bearer-looking values in oddly named headers are masked too', () => {
    expect(redactHeaders({ 'x-upstream': 'Bearer zzzz' }, [])).toEqual({ 'x-upstream': `Bearer ${HIDDEN}` });
  });
});

describe('stripUrlCredentials', () => {
  test('removes user:password@ and keeps the rest as written', () => {
    expect(stripUrlCredentials('https://user:p%40ss@api.example.com:8443/v1')).toBe('https://api.example.com:8443/v1');
    expect(stripUrlCredentials('http://token@host/v1/')).toBe('http://host/v1/');
    expect(stripUrlCredentials('http://host/v1')).toBe('http://host/v1');
  });

  test('masks credential-named query parameters only', () => {
    expect(stripUrlCredentials('https://h/v1?api_key=abc&model=x&token=t&Key=k&access_token=a#frag')).toBe(
      `https://h/v1?api_key=${REDACTED}&model=x&token=${REDACTED}&Key=${REDACTED}&access_token=${REDACTED}#frag`,
    );
    expect(stripUrlCredentials('https://h/v1#x?key=not-a-query')).toBe('https://h/v1#x?key=not-a-query');
  });
});

test('maskSecretBytes masks a secret split across reads without changing lengths', () => {
  const bytes = new TextEncoder().encode(`{"echo":"${KEY}"}`);
  const reads = [bytes.subarray(0, 12), bytes.subarray(12, 15), bytes.subarray(15)];
  const masked = maskSecretBytes(reads, [KEY]);
  expect(masked.map((m) => m.length)).toEqual(reads.map((r) => r.length));
  const text = new TextDecoder().decode(Buffer.concat(masked));
  expect(text).toBe(`{"echo":"${'*'.repeat(KEY.length)}"}`);
  expect(maskSecretBytes(reads, ['absent-secret'])).toEqual(reads);
});

/** Runs the command with `curl` replaced by a shell function that prints each argument it receives. */
function argumentsOf(command: string, env: Record<string, string>): string[] {
  const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}`;
  const out = execFileSync('sh', ['-c', script], { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('curlFor', () => {
  const body = `{"model":"m","stream":true,"messages":[{"role":"user","content":"it's a \\"test\\"\\nline two $HOME \`x\` !"}]}`;
  const request: RecordedRequest = {
    method: 'POST',
    url: 'http://127.0.0.1:8080/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${REDACTED}`,
      'content-length': '123',
      'x-route': "blue's",
    },
    body,
  };

  test('one line, key from the environment, -N for stream requests', () => {
    const line = curlFor(request);
    expect(line).not.toContain('\n');
    expect(line).toContain('-H "Authorization: Bearer $CONFORMANCE_API_KEY"');
    expect(line).toContain(' -N ');
    expect(line).not.toContain('Content-Length');
    expect(curlFor(request, { apiKeyEnv: 'MY_KEY' })).toContain('-H "Authorization: Bearer $MY_KEY"');
  });

  test('the shell hands curl exactly the recorded body and headers, with the key expanded', () => {
    const args = argumentsOf(curlFor(request, { apiKeyEnv: 'MY_KEY' }), { MY_KEY: 'sk-from-env' });
    expect(args).toContain('Authorization: Bearer sk-from-env');
    expect(args).toContain("X-Route: blue's");
    expect(args).toContain('http://127.0.0.1:8080/v1/chat/completions');
    expect(args[args.indexOf('--data-raw') + 1]).toBe(body);
  });

  test('bodies with raw newlines and quotes survive the shell', () => {
    const raw = '{"a":\'b\'\n  "c": "\\\\" }\n';
    const args = argumentsOf(curlFor({ ...request, body: raw }), {});
    expect(args[args.indexOf('--data-raw') + 1]).toBe(raw);
  });

  test('values already hidden stay hidden, and no -N without stream:true', () => {
    const line = curlFor({ ...request, body: '{"stream":false}', headers: { authorization: `Bearer ${HIDDEN}` } });
    expect(line).toContain(`'Authorization: Bearer ${HIDDEN}'`);
    expect(line).not.toContain('$CONFORMANCE_API_KEY');
    expect(line).not.toContain(' -N ');
  });

  test('a key glued to other text still expands, and GET has no body', () => {
    const args = argumentsOf(curlFor({ method: 'GET', url: 'http://h/v1/models', headers: { 'x-api-key': `${REDACTED}x` } }), {
      CONFORMANCE_API_KEY: 'k1',
    });
    expect(args).toEqual(['-sS', '-i', 'http://h/v1/models', '-H', 'X-Api-Key: k1x']);
  });

  test('shellQuote', () => {
    expect(shellQuote('plain-word')).toBe('plain-word');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(argumentsOf(`curl ${shellQuote('a\'b"c$d\n')}`, {})).toEqual(['a\'b"c$d\n']);
  });
});
