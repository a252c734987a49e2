import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { FramingReport, FramingViolationKind } from '../src/core/framing.ts';
import { parseChunks } from '../src/sse/chunks.ts';
import { checkFraming, createFrameChecker, MAX_REPORTED_PER_KIND } from '../src/sse/frames.ts';

const encoder = new TextEncoder();
const SSE = 'text/event-stream';

const check = (body: string | Uint8Array, contentType: string | undefined = SSE): FramingReport =>
  checkFraming([{ bytes: typeof body === 'string' ? encoder.encode(body) : body, atMs: 1 }], contentType);

const kinds = (report: FramingReport): FramingViolationKind[] => report.violations.map((v) => v.kind);

const bytesOf = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...encoder.encode(p)] : p)));

describe('legal SSE is never a violation', () => {
  const payload = '{"id":"c1","choices":[]}';
  const cases: Record<string, string> = {
    'LF line endings': `data: ${payload}\n\ndata: [DONE]\n\n`,
    'CRLF line endings': `data: ${payload}\r\n\r\ndata: [DONE]\r\n\r\n`,
    'CR line endings': `data: ${payload}\r\rdata: [DONE]\r\r`,
    'mixed line endings': `data: ${payload}\r\n\ndata: [DONE]\r\r\n`,
    'no space after the colon': `data:${payload}\n\ndata:[DONE]\n\n`,
    'comments between events': `: keep-alive\n\ndata: ${payload}\n: ping\n\ndata: [DONE]\n\n`,
    'BOM at the start': `\uFEFFdata: ${payload}\n\ndata: [DONE]\n\n`,
    'extra blank lines': `\n\ndata: ${payload}\n\n\n\ndata: [DONE]\n\n\n`,
    '[DONE] with trailing space': `data: ${payload}\n\ndata: [DONE] \n\n`,
    'content type with charset': `data: ${payload}\n\ndata: [DONE]\n\n`,
  };
  for (const [name, body] of Object.entries(cases)) {
    test(name, () => {
      const report = check(body, name === 'content type with charset' ? 'text/event-stream; charset=utf-8' : SSE);
      expect(report.violations).toEqual([]);
      expect(report.events.map((e) => e.data.trim())).toEqual([payload, '[DONE]']);
      expect(report.doneCount).toBe(1);
      expect(report.endedWithDone).toBe(true);
      expect(report.truncated).toBe(false);
    });
  }

  test('comments are counted and a comment followed by a blank line dispatches nothing', () => {
    const report = check(': one\n\n: two\n: three\n\ndata: [DONE]\n\n');
    expect(report.comments).toBe(3);
    expect(report.events).toHaveLength(1);
    expect(report.events[0]!.position).toBe(0);
    expect(report.violations).toEqual([]);
  });

  test('CRLF is one line ending, also when a read ends between CR and LF', () => {
    const body = 'data: {"a":\r\ndata: 1}\r\n\r\ndata: [DONE]\r\n\r\n';
    const cut = body.indexOf('\r') + 1;
    const report = checkFraming([{ bytes: encoder.encode(body.slice(0, cut)) }, { bytes: encoder.encode(body.slice(cut)) }], SSE);
    expect(report.events.map((e) => [e.data, e.dataLines])).toEqual([
      ['{"a":\n1}', 2],
      ['[DONE]', 1],
    ]);
  });

  test('offsets count the BOM bytes', () => {
    expect(check('\uFEFFevent: x\ndata: [DONE]\n\n').violations).toEqual([{ kind: 'not-data-field', offset: 3, excerpt: 'event: x' }]);
  });

  test('a BOM in the middle of a line stays part of the data', () => {
    const report = check('data: {"a":"\uFEFF"}\n\ndata: [DONE]\n\n');
    expect(JSON.parse(report.events[0]!.data)).toEqual({ a: '\uFEFF' });
  });

  test('byte count, positions and the time of the completing read', () => {
    const first = encoder.encode('data: {"a":1}\n');
    const second = encoder.encode('\ndata: [DONE]\n\n');
    const report = checkFraming(
      [
        { bytes: first, atMs: 10 },
        { bytes: second, atMs: 25 },
      ],
      SSE,
    );
    expect(report.bytes).toBe(first.length + second.length);
    expect(report.events).toEqual([
      { position: 0, data: '{"a":1}', isDone: false, dataLines: 1, atMs: 25 },
      { position: 1, data: '[DONE]', isDone: true, dataLines: 1, atMs: 25 },
    ]);
  });
});

describe('each violation kind', () => {
  test('content-type: wrong, and absent', () => {
    const body = 'data: [DONE]\n\n';
    expect(check(body, 'application/json').violations).toEqual([{ kind: 'content-type', offset: 0, excerpt: 'application/json' }]);
    expect(kinds(checkFraming([{ bytes: encoder.encode(body) }], undefined))).toEqual(['content-type']);
    expect(check(body, 'application/json').contentType).toBe('application/json');
  });

  test('createFrameChecker without a contentType option does not judge it', () => {
    const checker = createFrameChecker();
    checker.feed(encoder.encode('data: [DONE]\n\n'));
    expect(checker.end().violations).toEqual([]);
  });

  test('not-data-field: event, id, retry, unknown fields and bare field names', () => {
    const body = 'event: delta\nid: 7\nretry: 100\nfoo: bar\nnocolon\ndata: {"a":1}\n\ndata: [DONE]\n\n';
    const report = check(body);
    expect(report.violations.map((v) => [v.kind, v.excerpt, v.offset])).toEqual([
      ['not-data-field', 'event: delta', 0],
      ['not-data-field', 'id: 7', 13],
      ['not-data-field', 'retry: 100', 19],
      ['not-data-field', 'foo: bar', 30],
      ['not-data-field', 'nocolon', 39],
    ]);
    expect(report.events.map((e) => e.data)).toEqual(['{"a":1}', '[DONE]']);
  });

  test('an event with only other fields dispatches nothing', () => {
    const report = check('event: ping\n\ndata: [DONE]\n\n');
    expect(report.events.map((e) => e.position)).toEqual([0]);
    expect(kinds(report)).toEqual(['not-data-field']);
  });

  test('multi-line-data: reported once per event, data joined with newlines', () => {
    const report = check('data: {"a":\ndata: 1}\n\ndata: [DONE]\n\n');
    expect(report.violations).toEqual([{ kind: 'multi-line-data', offset: 0, excerpt: '2 data lines: "{\\"a\\":\\n1}"', event: 0 }]);
    expect(report.events[0]).toMatchObject({ data: '{"a":\n1}', dataLines: 2 });
  });

  test('data-not-json: text, arrays, numbers, empty data', () => {
    const report = check('data: hello\n\ndata: [1]\n\ndata: 42\n\ndata:\n\ndata: {"ok":true}\n\ndata: [DONE]\n\n');
    expect(report.violations.map((v) => [v.kind, v.event, v.excerpt])).toEqual([
      ['data-not-json', 0, 'hello'],
      ['data-not-json', 1, '[1]'],
      ['data-not-json', 2, '42'],
      ['data-not-json', 3, ''],
    ]);
  });

  test('done-missing, with the end of the body as excerpt', () => {
    const report = check('data: {"a":1}\n\n');
    expect(report.violations).toEqual([{ kind: 'done-missing', offset: 15, excerpt: '"data: {\\"a\\":1}\\n\\n"' }]);
    expect(report.endedWithDone).toBe(false);
    expect(kinds(check(''))).toEqual(['done-missing']);
    expect(check('').violations[0]!.excerpt).toBe('(empty body)');
  });

  test('done-repeated and data-after-done', () => {
    const report = check('data: [DONE]\n\ndata: [DONE]\n\ndata: {"a":1}\n\n');
    expect(report.violations).toEqual([
      { kind: 'done-repeated', offset: 14, excerpt: 'data: [DONE]', event: 1 },
      { kind: 'data-after-done', offset: 28, excerpt: 'data: {"a":1}', event: 2 },
    ]);
    expect(report.doneCount).toBe(2);
    expect(report.endedWithDone).toBe(false);
  });

  test('unterminated-event: a partial line, and a complete line without its blank line', () => {
    const partial = check('data: {"a":1}\n\ndata: [DONE]\n\ndata: {"b"');
    expect(partial.violations.map((v) => [v.kind, v.offset])).toEqual([['unterminated-event', 29]]);
    const noBlank = check('data: {"a":1}\n\ndata: [DONE]\n');
    expect(kinds(noBlank)).toEqual(['unterminated-event', 'done-missing']);
    expect(noBlank.events).toHaveLength(1);
    expect(kinds(check('data: [DONE]\n\n: bye'))).toEqual([]);
  });

  test('invalid-utf8: stray byte, overlong form, surrogate, truncated at the end', () => {
    const body = bytesOf(
      'data: {"a":"',
      [0xff],
      '"}\n\ndata: {"b":"',
      [0xc0, 0x80],
      '"}\n\ndata: {"c":"',
      [0xed, 0xa0, 0x80],
      '"}\n\ndata: [DONE]\n\n',
      [0xe6, 0xbc],
    );
    const report = check(body);
    const utf8 = report.violations.filter((v) => v.kind === 'invalid-utf8');
    // Each byte that cannot belong to a character is reported, as a decoder would replace each one.
    expect(utf8.map((v) => v.offset)).toEqual([12, 29, 30, 47, 48, 49, body.length - 2]);
    expect(utf8[0]!.excerpt).toContain('0xFF');
    expect(utf8.at(-1)!.excerpt).toContain('at end of body');
    expect(report.violations.at(-1)!.kind).toBe('unterminated-event');
  });

  test('line-too-long: the line is dropped, memory stays bounded, the event keeps its position', () => {
    const checker = createFrameChecker({ contentType: SSE, maxLineBytes: 100 });
    const long = `data: {"a":"${'x'.repeat(500)}"}\n\n`;
    for (let at = 0; at < long.length; at += 10) checker.feed(encoder.encode(long.slice(at, at + 10)));
    checker.feed(encoder.encode('data: {"b":1}\n\ndata: [DONE]\n\n'));
    const report = checker.end();
    expect(kinds(report)).toEqual(['line-too-long']);
    expect(report.violations[0]!.offset).toBe(0);
    expect(report.truncated).toBe(true);
    expect(report.events.map((e) => e.position)).toEqual([1, 2]);
  });

  test('line-too-long: event data spread over many lines is bounded too', () => {
    const checker = createFrameChecker({ contentType: SSE, maxLineBytes: 100 });
    checker.feed(encoder.encode(`${'data: 0123456789\n'.repeat(20)}\ndata: [DONE]\n\n`));
    const report = checker.end();
    expect(kinds(report)).toEqual(['line-too-long']);
    expect(report.events).toHaveLength(1);
  });

  test('repeats are capped per kind but counted', () => {
    const report = check(`${'event: x\n'.repeat(1000)}data: [DONE]\n\n`);
    expect(report.violations).toHaveLength(MAX_REPORTED_PER_KIND);
    expect(report.violationCounts).toEqual({ 'not-data-field': 1000 });
  });

  test('maxEvents bounds stored events but later events are still checked', () => {
    const checker = createFrameChecker({ contentType: SSE, maxEvents: 2 });
    checker.feed(encoder.encode('data: {"a":1}\n\ndata: {"a":2}\n\ndata: nope\n\ndata: [DONE]\n\n'));
    const report = checker.end();
    expect(report.events).toHaveLength(2);
    expect(report.truncated).toBe(true);
    expect(report.doneCount).toBe(1);
    expect(kinds(report)).toEqual(['data-not-json']);
  });
});

test('parseChunks: data events other than [DONE], parsed, with positions and times', () => {
  const report = checkFraming(
    [
      { bytes: encoder.encode('data: {"a":1}\n\n'), atMs: 5 },
      { bytes: encoder.encode('data: oops\n\ndata: [DONE]\n\n'), atMs: 9 },
    ],
    SSE,
  );
  const chunks = parseChunks(report);
  expect(chunks).toHaveLength(2);
  expect(chunks[0]).toEqual({ position: 0, raw: '{"a":1}', value: { a: 1 }, atMs: 5 });
  expect(chunks[1]).toMatchObject({ position: 1, raw: 'oops', atMs: 9 });
  expect(chunks[1]!.parseError).toBeTypeOf('string');
  expect(chunks[1]!.value).toBeUndefined();
});

// ---- split invariance ----

const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('漢字', '🦙🚀', 'Ďábelské ñ', '👨‍👩‍👧', 'a\u0301', '\uFEFF'),
);
const ending = fc.constantFrom('\n', '\r\n', '\r');

/** One piece of a stream, legal or not, as bytes. */
const piece: fc.Arbitrary<number[]> = fc
  .oneof(
    fc
      .record({ t: text, space: fc.boolean(), end: ending })
      .map(({ t, space, end }) => `data:${space ? ' ' : ''}${JSON.stringify({ t })}${end}${end}`),
    fc
      .record({ space: fc.boolean(), pad: fc.constantFrom('', ' ', '  '), end: ending })
      .map(({ space, pad, end }) => `data:${space ? ' ' : ''}[DONE]${pad}${end}${end}`),
    fc.record({ t: text, end: ending }).map(({ t, end }) => `:${t.replace(/[\r\n]/g, '')}${end}`),
    fc.record({ t: text, end: ending }).map(({ t, end }) => `data: ${JSON.stringify(t)}${end}data: ${JSON.stringify(t)}${end}${end}`),
    fc
      .record({ field: fc.constantFrom('event: delta', 'id: 3', 'retry: 10', 'x-foo: 1', 'data: not json', 'data: [1]'), end: ending })
      .map(({ field, end }) => `${field}${end}`),
    fc
      .record({ t: text, n: fc.integer({ min: 5, max: 40 }), end: ending })
      .map(({ t, n, end }) => `data: ${JSON.stringify({ t: `${t}x`.repeat(n) })}${end}${end}`),
    ending,
    text,
  )
  .map((s) => [...encoder.encode(s)]);

const rawBytes: fc.Arbitrary<number[]> = fc.oneof(
  fc.constantFrom<number[]>([0xff], [0xe6, 0xbc], [0xed, 0xa0, 0x80], [0xf0, 0x9f], [0xc0, 0x80], [0xef, 0xbb, 0xbf]),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 6 }),
);

const stream = fc
  .record({
    bom: fc.boolean(),
    pieces: fc.array(fc.oneof({ weight: 5, arbitrary: piece }, { weight: 1, arbitrary: rawBytes }), { maxLength: 14 }),
  })
  .map(({ bom, pieces }) => Uint8Array.from([...(bom ? [0xef, 0xbb, 0xbf] : []), ...pieces.flat()]));

function split(bytes: Uint8Array, cuts: number[]): Array<{ bytes: Uint8Array; atMs: number }> {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const reads: Array<{ bytes: Uint8Array; atMs: number }> = [];
  let from = 0;
  for (const [i, point] of [...points, bytes.length].entries()) {
    reads.push({ bytes: bytes.subarray(from, point), atMs: i });
    from = point;
  }
  return reads;
}

const withoutTimes = (report: FramingReport) => ({
  ...report,
  events: report.events.map(({ atMs: _atMs, ...rest }) => rest),
});

describe('the report does not depend on how the bytes were split', () => {
  test('every byte in its own read', () => {
    const body = encoder.encode('\uFEFFdata: {"t":"漢字🦙"}\r\n\r\n: c\r\rdata:[DONE]\r\n\r\nevent: x\n');
    const whole = checkFraming([{ bytes: body }], SSE);
    const bytewise = checkFraming(
      [...body].map((b) => ({ bytes: Uint8Array.of(b) })),
      SSE,
    );
    expect(withoutTimes(bytewise)).toEqual(withoutTimes(whole));
  });

  test('property: arbitrary streams, arbitrary split points', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 64, max: 160 }), (bytes, cuts, maxLineBytes) => {
        const run = (reads: Array<{ bytes: Uint8Array; atMs?: number }>) => {
          const checker = createFrameChecker({ contentType: SSE, maxLineBytes, maxEvents: 6 });
          for (const read of reads) checker.feed(read.bytes, read.atMs);
          return withoutTimes(checker.end());
        };
        expect(run(split(bytes, cuts))).toEqual(run([{ bytes }]));
      }),
      { numRuns: 300 },
    );
  });

  test('property: well-formed streams have no violations and keep every payload', () => {
    const wellFormed = fc.record({
      bom: fc.boolean(),
      end: ending,
      space: fc.boolean(),
      items: fc.array(
        fc.oneof(
          text.map((t) => ({ data: JSON.stringify({ t }) })),
          text.map((t) => ({ comment: t.replace(/[\r\n]/g, '') })),
        ),
        { maxLength: 10 },
      ),
    });
    fc.assert(
      fc.property(wellFormed, fc.array(fc.nat(), { maxLength: 8 }), ({ bom, end, space, items }, cuts) => {
        const sp = space ? ' ' : '';
        const body =
          (bom ? '\uFEFF' : '') +
          items.map((i) => ('data' in i ? `data:${sp}${i.data}${end}${end}` : `:${i.comment}${end}`)).join('') +
          `data:${sp}[DONE]${end}${end}`;
        const report = checkFraming(split(encoder.encode(body), cuts), SSE);
        expect(report.violations).toEqual([]);
        const payloads = items.flatMap((i) => ('data' in i ? [i.data] : []));
        expect(parseChunks(report).map((c) => c.raw)).toEqual(payloads);
        expect(report.endedWithDone).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});
