import { readFileSync } from 'node:fs';
import { validate } from '@readme/openapi-parser';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { gen, renderConflictTable, renderTypes, replaceConflictTable, TYPES_HEADER } from '../src/cli/gen.ts';
import { conflict, conflicts, parseConflicts, treatment } from '../src/contract/conflicts.ts';
import { conflictIdsOf, SPEC_PATH } from '../src/contract/spec.ts';
import { PROFILES } from '../src/core/vocabulary.ts';
import { ToolError } from '../src/run/errors.ts';
import { presentSeedFiles, SEED_FILES, SEEDS_MISSING, seedText } from './support/seeds.ts';

const specText = readFileSync(SPEC_PATH, 'utf8');
const parsedSpec = parse(specText) as Record<string, unknown>;
const raw = (): Record<string, unknown> => structuredClone(parsedSpec);
const README_PATH = new URL('../spec/README.md', import.meta.url);
const TYPES_PATH = new URL('../spec/generated/openapi.d.ts', import.meta.url);

const REQUIRED_CONFLICTS = [
  'range-n',
  'range-temperature',
  'range-top-k',
  'range-frequency-penalty',
  'range-presence-penalty',
  'range-repetition-penalty',
  'range-top-p',
  'range-min-p',
  'range-top-logprobs',
  'stop-array',
  'stop-included',
  'max-tokens-required',
  'finish-reason-tool-calls',
  'usage-null-vs-absent',
  'usage-optional',
  'usage-unrequested-last-chunk',
  'usage-chunk-choices',
  'chunk-object-name',
  'finish-reason-openai-values',
  'message-name-pattern',
];

/** Every object node of the document with its JSON pointer. */
function* walk(node: unknown, pointer = ''): Generator<[string, Record<string, unknown>]> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${pointer}/${i}`);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    yield [pointer, record];
    for (const [key, value] of Object.entries(record)) yield* walk(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
}

describe('spec/openapi.yaml as a document', () => {
  test('is a valid OpenAPI 3.1 document', async () => {
    const doc = raw();
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors.map((e) => e.message)).toEqual([]);
  });

  test('serves POST /chat/completions and GET /models under https://api.jiekou.ai/openai/v1 with bearer auth', () => {
    const doc = raw() as {
      servers: Array<{ url: string }>;
      paths: Record<string, Record<string, { security?: unknown; 'x-assumed'?: string }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }> };
    };
    expect(doc.servers[0]?.url).toBe('https://api.jiekou.ai/openai/v1');
    expect(Object.keys(doc.paths['/chat/completions'] ?? {})).toEqual(['post']);
    expect(doc.paths['/models']?.get?.['x-assumed']).toBe('OpenAI convention; the documents do not describe it');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('uses 2020-12 nullability only: no `nullable` anywhere', () => {
    const offenders = [...walk(raw())].filter(([, node]) => 'nullable' in node).map(([pointer]) => pointer);
    expect(offenders).toEqual([]);
    expect(specText).not.toMatch(/^\s*nullable\s*:/m);
  });

  test('never closes an object to unknown fields', () => {
    const closed = [...walk(raw())].filter(([, node]) => node.additionalProperties === false).map(([p]) => p);
    expect(closed).toEqual([]);
  });

  test('every property names its sources, which are seed files or the OpenAI convention', () => {
    const missing: string[] = [];
    const unknown: string[] = [];
    for (const [pointer, node] of walk(raw())) {
      // Properties under if/then restate declared fields as conditions; they declare nothing new.
      if (!pointer.endsWith('/properties') || /\/(x-[^/]*|if|then)\//.test(pointer)) continue;
      for (const [name, property] of Object.entries(node)) {
        const sources = (property as Record<string, unknown>)['x-source'];
        if (!Array.isArray(sources) || sources.length === 0) missing.push(`${pointer}/${name}`);
        else
          for (const s of sources)
            if (s !== 'OpenAI convention' && !SEED_FILES.includes(String(s))) unknown.push(`${pointer}/${name}: ${String(s)}`);
      }
    }
    expect(missing).toEqual([]);
    expect(unknown).toEqual([]);
  });

  test.skipIf(SEEDS_MISSING)('every x-range text and the x-sse text are literal text of the document they cite', () => {
    const cited: Array<[string, string, unknown]> = [];
    for (const [pointer, node] of walk(raw())) {
      const range = node['x-range'] as { text?: string; source?: string } | undefined;
      if (range) cited.push([pointer, range.source ?? '', range.text]);
      const sse = node['x-sse'] as { text?: string; source?: string[] } | undefined;
      if (sse) cited.push([pointer, sse.source?.[0] ?? '', sse.text]);
    }
    expect(cited.length).toBeGreaterThanOrEqual(11);
    for (const [pointer, file, text] of cited) {
      expect(SEED_FILES, pointer).toContain(file);
      expect(seedText(file), pointer).toContain(String(text));
    }
  });

  test('error responses and the error schema are marked as assumed', () => {
    const doc = raw() as {
      paths: Record<string, { post: { responses: Record<string, { 'x-assumed'?: string }> } }>;
      components: { schemas: Record<string, { 'x-assumed'?: string }> };
    };
    const responses = doc.paths['/chat/completions']?.post.responses ?? {};
    for (const status of ['400', '401', '404', '405', '413', '429', '500']) {
      expect(responses[status]?.['x-assumed'], status).toBe('OpenAI convention');
    }
    expect(doc.components.schemas.ErrorResponse?.['x-assumed']).toBe('OpenAI convention');
  });

  test('documents the SSE framing on the text/event-stream response', () => {
    const doc = raw() as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, Record<string, unknown>> }> } }>;
    };
    const stream = doc.paths['/chat/completions']?.post.responses['200']?.content['text/event-stream'];
    expect(stream?.schema).toEqual({ $ref: '#/components/schemas/ChatCompletionChunk' });
    expect(stream?.['x-sse']).toMatchObject({ terminator: 'data: [DONE]' });
    expect(String((stream!['x-sse'] as Record<string, unknown>).include_usage)).toContain('usage: null');
  });

  test("states the documents' unconditional usage sentence as a reading, not the opposite as fact", () => {
    const doc = raw() as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, Record<string, unknown>> }> } }>;
    };
    const sse = doc.paths['/chat/completions']?.post.responses['200']?.content['text/event-stream']?.['x-sse'] as Record<string, unknown>;
    const text = String(sse.include_usage);
    expect(text).not.toMatch(/no chunk carries/i);
    for (const id of ['usage-unrequested-last-chunk', 'usage-chunk-choices', 'usage-null-vs-absent']) expect(text).toContain(id);
  });
});

describe('conflicts', () => {
  test('every required conflict id is recorded', () => {
    const ids = conflicts().map((c) => c.id);
    expect(ids).toEqual(expect.arrayContaining(REQUIRED_CONFLICTS));
  });

  test('every conflict id referenced by a field or a range exists', () => {
    const ids = new Set(conflicts().map((c) => c.id));
    const referenced: string[] = [];
    for (const [, node] of walk(raw())) {
      referenced.push(...conflictIdsOf(node));
      const range = node['x-range'] as { conflict?: string } | undefined;
      if (range?.conflict) referenced.push(range.conflict);
    }
    expect(referenced.length).toBeGreaterThan(REQUIRED_CONFLICTS.length);
    expect(referenced.filter((id) => !ids.has(id))).toEqual([]);
  });

  test('every conflict is referenced by some field', () => {
    const referenced = new Set([...walk(raw())].flatMap(([, node]) => conflictIdsOf(node)));
    expect(
      conflicts()
        .map((c) => c.id)
        .filter((id) => !referenced.has(id)),
    ).toEqual([]);
  });

  test.skipIf(SEEDS_MISSING)('every quote is literal text of the seed file it names', () => {
    const misquoted = conflicts().flatMap((c) =>
      c.quotes
        .filter((q) => !SEED_FILES.includes(q.file) || !seedText(q.file).includes(q.text))
        .map((q) => `${c.id}: ${q.file}: ${q.text}`),
    );
    expect(misquoted).toEqual([]);
  });

  test('each conflict has a treatment for every profile', () => {
    for (const c of conflicts()) {
      for (const profile of PROFILES) expect(['fail', 'warn', 'pass'], `${c.id} ${profile}`).toContain(c.profiles[profile]);
    }
    expect(treatment('usage-null-vs-absent', 'strict')).toBe('fail');
    expect(treatment('usage-null-vs-absent', 'documented')).toBe('fail');
    expect(treatment('usage-null-vs-absent', 'lenient')).toBe('warn');
  });

  test('a behaviour the documents allow on some reading is never failed by the lenient profile', () => {
    const lenientPass = [
      'usage-unrequested-last-chunk',
      'usage-chunk-choices',
      'chunk-object-name',
      'finish-reason-openai-values',
      'message-name-pattern',
    ];
    for (const id of lenientPass) expect(conflict(id).profiles, id).toEqual({ strict: 'fail', documented: 'warn', lenient: 'pass' });
  });

  test('an unknown id is an error, not a silent pass', () => {
    expect(() => conflict('no-such-conflict')).toThrow(/unknown conflict id "no-such-conflict"/);
    expect(() => treatment('no-such-conflict', 'lenient')).toThrow();
  });

  test('malformed entries are refused with the entry named', () => {
    const entry = { id: 'x', title: 't', fields: ['f'], quotes: [{ file: 'a', text: 'b' }], reading: 'r' };
    expect(() => parseConflicts([{ ...entry, profiles: { strict: 'fail', documented: 'maybe', lenient: 'pass' } }])).toThrow(
      /x-conflicts "x".profiles.documented/,
    );
    expect(() => parseConflicts([{ ...entry, quotes: [] }])).toThrow(/quotes must be a non-empty list/);
    const ok = { ...entry, profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' } };
    expect(() => parseConflicts([ok, ok])).toThrow(/duplicate id "x"/);
  });
});

describe('generated outputs', () => {
  test('the README conflict table is in sync with x-conflicts', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(replaceConflictTable(readme, renderConflictTable(conflicts()))).toBe(readme);
    for (const id of REQUIRED_CONFLICTS) expect(readme).toContain(`**${id}**`);
  });

  test('the generated types are fresh and stamped', async () => {
    const current = readFileSync(TYPES_PATH, 'utf8');
    expect(current.startsWith(TYPES_HEADER)).toBe(true);
    expect(current).toContain('Generated from spec/openapi.yaml by `npm run gen`');
    expect(await renderTypes(raw())).toBe(current);
  });

  test('gen --check finds nothing stale', async () => {
    expect(await gen(['--check'])).toBe(0);
  });

  test('gen refuses an unknown argument', async () => {
    await expect(gen(['--frobnicate'])).rejects.toBeInstanceOf(ToolError);
  });

  test('the table escapes what Markdown would misread', () => {
    const table = renderConflictTable([
      {
        id: 'demo',
        title: 'a | b',
        fields: ['f'],
        quotes: [{ file: 'f.txt', text: '<ParamField a="1">\nnext' }],
        reading: 'x < 2',
        profiles: { strict: 'fail', documented: 'warn', lenient: 'pass' },
      },
    ]);
    const row = table.split('\n')[2] ?? '';
    expect(row).toContain('a \\| b');
    expect(row).toContain('&lt;ParamField a="1"> next');
    expect(row).toContain('x < 2');
    expect(row.endsWith('| fail | warn | pass |')).toBe(true);
  });
});

test.skipIf(SEEDS_MISSING)('the seed documents are the four the spec cites', () => {
  expect(presentSeedFiles().sort()).toEqual([...SEED_FILES]);
});
