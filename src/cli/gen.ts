/**
 * `chat-conformance gen`: regenerates what is derived from spec/openapi.yaml, namely the TypeScript types
 * (spec/generated/openapi.d.ts) and the conflict table of spec/README.md. `gen --check` compares instead of
 * writing, so a stale output fails CI rather than drifting.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpenAPI3 } from 'openapi-typescript';
import openapiTS, { astToString } from 'openapi-typescript';
import { parse } from 'yaml';
import type { Conflict } from '../contract/conflicts.ts';
import { parseConflicts } from '../contract/conflicts.ts';
import { isRecord } from '../core/json.ts';
import { ToolError } from '../run/errors.ts';
import { updateReadme } from './docs.ts';
import { cell, hasMarkers, replaceMarked } from './markdown.ts';

const ROOT = new URL('../../', import.meta.url);
const SPEC_FILE = 'spec/openapi.yaml';
const TYPES_FILE = 'spec/generated/openapi.d.ts';
const README_FILE = 'spec/README.md';
/** The project README carries the check and fault tables, rendered from the registry and the reference catalogue. */
const PROJECT_README_FILE = 'README.md';

export const TYPES_HEADER = [
  '/**',
  ' * Generated from spec/openapi.yaml by `npm run gen`. Do not edit by hand: edit the YAML, then run `npm run gen`.',
  ' */',
  '',
  '',
].join('\n');

export const TABLE_START = '<!-- conflicts:start -->';
export const TABLE_END = '<!-- conflicts:end -->';

const STALE = 'error: generated files are stale; run npm run gen';

export async function gen(args: string[]): Promise<number> {
  const check = parseArgs(args);
  const doc: unknown = parse(await readFile(new URL(SPEC_FILE, ROOT), 'utf8'));
  if (!isRecord(doc)) throw new Error(`${SPEC_FILE} is not a YAML mapping`);
  const readme = await readText(README_FILE);
  if (readme === undefined || !hasMarkers(readme, 'conflicts')) {
    console.error(`error: ${README_FILE} lacks the ${TABLE_START} … ${TABLE_END} markers`);
    return 1;
  }
  const outputs = [
    { file: TYPES_FILE, text: await renderTypes(doc) },
    { file: README_FILE, text: replaceConflictTable(readme, renderConflictTable(parseConflicts(doc['x-conflicts']))) },
    { file: PROJECT_README_FILE, text: updateReadme((await readText(PROJECT_README_FILE)) ?? '') },
  ];
  const stale: typeof outputs = [];
  for (const output of outputs) {
    if ((await readText(output.file)) !== output.text) stale.push(output);
  }
  if (check) {
    if (stale.length === 0) return 0;
    console.error(STALE);
    return 1;
  }
  for (const output of stale) {
    const path = fileURLToPath(new URL(output.file, ROOT));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, output.text);
    console.log(`wrote ${output.file}`);
  }
  if (stale.length === 0) console.log('generated files are up to date');
  return 0;
}

/** The types file: openapi-typescript's output for the spec under a do-not-edit stamp. Deterministic. */
export async function renderTypes(doc: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(structuredClone(doc) as unknown as OpenAPI3, {
    silent: true,
    // Request fields with a documented default stay optional for whoever builds a request.
    defaultNonNullable: false,
    // Free-form objects (JSON Schemas, tool parameters) accept any keys.
    emptyObjectsUnknown: true,
  });
  return TYPES_HEADER + astToString(ast);
}

/** The conflict table of spec/README.md, one row per `x-conflicts` entry. */
export function renderConflictTable(conflicts: readonly Conflict[]): string {
  const rows = conflicts.map((c) =>
    [
      `**${cell(c.id)}**<br>${cell(c.title)}<br>fields: ${c.fields.map((f) => `\`${f}\``).join(', ')}`,
      c.quotes.map((q) => `${q.file}: 「${cell(q.text)}」`).join('<br>'),
      cell(c.reading),
      c.profiles.strict,
      c.profiles.documented,
      c.profiles.lenient,
    ].join(' | '),
  );
  return [
    '| conflict | documents and quotes | reading taken | strict | documented | lenient |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}

/** Replaces whatever lies between the table markers with the table. */
export function replaceConflictTable(readme: string, table: string): string {
  return replaceMarked(readme, 'conflicts', table);
}

function parseArgs(args: string[]): boolean {
  let check = false;
  for (const arg of args) {
    if (arg === '--check') check = true;
    else throw new ToolError('CC_BAD_FLAG', `gen: unknown argument ${arg} (usage: gen [--check])`);
  }
  return check;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(new URL(file, ROOT), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
