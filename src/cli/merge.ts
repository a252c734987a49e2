/**
 * `chat-conformance merge DIR…`: the report.json each shard of a matrix wrote, found under the folders given,
 * merged and written as one matrix, exactly as a single machine would have. Exit codes as for `run --config`.
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mergeShards, parseShardReport, type ShardInput } from '../matrix/merge.ts';
import { renderMatrixTerminal } from '../matrix/render-terminal.ts';
import { writeMatrix } from '../matrix/write.ts';
import { ToolError } from '../run/errors.ts';
import { parseFlags } from '../run/flags.ts';
import { toolVersion } from '../run/version.ts';
import { assertWritable } from './run-support.ts';

export const MERGE_USAGE = `Usage: chat-conformance merge DIR… [--report-dir DIR] [--color | --no-color]

Merges the report.json that each shard of a matrix wrote (run --config FILE --shard i/n), found in the folders
given or their subfolders, into one matrix: each cell's reports and the matrix report (report.json, summary.md,
report.html, junit.xml) under --report-dir (default reports). Exit 1 when a cell failed unexpectedly or could not
finish, 2 when the reports cannot be merged (another report schema version, shards that disagree).
`;

/** Folders below this depth are not searched: an artifact folder holds the shard folder, which holds the file. */
const SEARCH_DEPTH = 3;

async function shardFiles(path: string, depth = 0): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ToolError('CC_BAD_FLAG', `merge: ${path} does not exist`);
  if (info.isFile()) return [path];
  const direct = join(path, 'report.json');
  if (
    await stat(direct).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    return [direct];
  if (depth >= SEARCH_DEPTH) return [];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => shardFiles(join(path, e.name), depth + 1)),
  );
  return nested.flat().sort();
}

export async function merge(args: string[]): Promise<number> {
  const parsed = parseFlags(
    {
      args,
      allowPositionals: true,
      strict: true,
      options: {
        'report-dir': { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'usage: chat-conformance merge DIR…',
  );
  if (parsed.values.help) {
    process.stdout.write(MERGE_USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0)
    throw new ToolError('CC_BAD_FLAG', 'merge needs the folders the shards wrote (usage: chat-conformance merge DIR…)');
  const files = [...new Set((await Promise.all(parsed.positionals.map((p) => shardFiles(p)))).flat())];
  if (files.length === 0) throw new ToolError('CC_BAD_FLAG', `merge found no report.json under ${parsed.positionals.join(', ')}`);
  const inputs: ShardInput[] = await Promise.all(
    files.map(async (file) => ({ file, report: parseShardReport(await readFile(file, 'utf8'), file) })),
  );
  const reportDir = parsed.values['report-dir'] ?? 'reports';
  await assertWritable(reportDir);
  const version = toolVersion();
  const merged = mergeShards(inputs, version);
  const present = new Set(inputs.map((i) => i.report.shard?.index));
  const missing = Array.from({ length: merged.shards }, (_, i) => i + 1).filter((i) => !present.has(i));
  if (missing.length > 0)
    process.stderr.write(
      `note: no report from shard ${missing.map((i) => `${i}/${merged.shards}`).join(', ')}; what it ran is marked incomplete\n`,
    );
  const written = await writeMatrix(merged, reportDir, { secrets: [], version });
  const color = parsed.values.color ?? (parsed.values['no-color'] ? false : process.stdout.isTTY === true && !process.env['NO_COLOR']);
  process.stdout.write(renderMatrixTerminal(written, { color, reportsAt: written.runDir }));
  return written.matrix.exitCode;
}
