/**
 * `chat-conformance run --config FILE`: every target × model of the config in one process. Without --shard the
 * cells are merged and written as one matrix (each cell's reports plus the matrix report); with --shard i/n only
 * this shard's part runs and its report.json is written for `chat-conformance merge`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExpectationsFile } from '../engine/expectations.ts';
import { loadConfig, type MatrixConfig } from '../matrix/config.ts';
import { mergeShards } from '../matrix/merge.ts';
import { renderMatrixTerminal } from '../matrix/render-terminal.ts';
import type { MatrixReport } from '../matrix/result.ts';
import { runShard } from '../matrix/run.ts';
import { renderMatrixJson, writeMatrix } from '../matrix/write.ts';
import { redactOutput } from '../report/json.ts';
import { progressWriter } from '../report/progress.ts';
import { ToolError } from '../run/errors.ts';
import { readExpectationsFile, settleExpectations, writeExpectationsFile } from '../run/expectations-file.ts';
import type { MatrixRequest, ParsedRun } from '../run/options.ts';
import { toolVersion } from '../run/version.ts';
import { assertWritable, note, trapSignals } from './run-support.ts';

const expectationsPath = (dir: string, target: string): string => join(dir, `${target}.json`);

/** Each target's expectations file, read before anything is sent. */
async function readAll(config: MatrixConfig, dir: string | undefined): Promise<Map<string, { file: string; content?: ExpectationsFile }>> {
  const files = new Map<string, { file: string; content?: ExpectationsFile }>();
  if (dir === undefined) return files;
  for (const target of config.targets) {
    const file = expectationsPath(dir, target.name);
    const content = await readExpectationsFile(file, true);
    files.set(target.name, { file, ...(content ? { content } : {}) });
  }
  return files;
}

export async function runMatrix(parsed: ParsedRun, request: MatrixRequest): Promise<number> {
  const config = await loadConfig(request.config, process.env, request.onlyTargets);
  const reportDir = parsed.reportDirGiven ? parsed.config.reportDir : config.reportDir;
  await assertWritable(reportDir);
  const expectationsDir = parsed.expectations ?? config.expectationsDir;
  if (parsed.expectationsUpdate && expectationsDir === undefined) {
    throw new ToolError(
      'CC_BAD_FLAG',
      `--${parsed.expectationsUpdate === 'write' ? 'write' : 'update'}-expectations needs a folder: "expectations" in ${config.file}, or --expectations DIR`,
    );
  }
  const files = await readAll(config, expectationsDir);
  const color = parsed.color ?? (process.stdout.isTTY === true && !process.env['NO_COLOR']);
  const version = toolVersion();
  const shard = request.shard ?? { index: 1, count: 1 };
  const interruption = trapSignals();
  try {
    const cells = config.targets.length;
    note(
      `chat-conformance ${version} · matrix ${config.file} · ${cells} ${cells === 1 ? 'target' : 'targets'} · concurrency ${config.concurrency}${request.shard ? ` · shard ${shard.index}/${shard.count}` : ''}`,
    );
    const progress = progressWriter(process.stderr);
    const expectations = new Map(
      [...files].flatMap(([target, { file, content }]) => (content ? [[target, { file, models: content.models }] as const] : [])),
    );
    const { report, secrets } = await runShard(config, {
      env: process.env,
      shard,
      version,
      note,
      signal: interruption.signal,
      onProgress: (p) => progress.update(p),
      expectations,
    });
    progress.end();
    if (request.shard) return await writeShard(report, reportDir, secrets);

    const merged = mergeShards([{ file: config.file, report }], version);
    if (parsed.expectationsUpdate) {
      for (const cell of merged.cells) {
        const entry = files.get(cell.record.target);
        if (!entry) continue;
        const settled = settleExpectations(cell.report, parsed.expectationsUpdate, entry.content, entry.file, cell.record.target);
        if (settled.file) entry.content = settled.file;
        if (settled.note) note(`${cell.record.target}: ${settled.note}`);
      }
      for (const { file, content } of files.values()) if (content) await writeExpectationsFile(file, content);
    }
    const written = await writeMatrix(merged, reportDir, { secrets, version });
    process.stdout.write(renderMatrixTerminal(written, { color, secrets, reportsAt: written.runDir }));
    return written.matrix.exitCode;
  } finally {
    interruption.release();
  }
}

/** A shard writes only its report.json; `merge` turns the shards' reports into the matrix. */
async function writeShard(report: MatrixReport, reportDir: string, secrets: readonly string[]): Promise<number> {
  const dir = join(reportDir, `shard-${report.shard?.index}-of-${report.shard?.count}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'report.json');
  await writeFile(file, redactOutput(renderMatrixJson(report), secrets), 'utf8');
  const ran = report.cells.filter((c) => c.report);
  for (const cell of ran) {
    const r = cell.report!;
    note(
      `  ${cell.target} · ${cell.model} [${cell.ran.join(', ')}]: ${r.totals.fail} failing · ${r.totals.pass} passed${r.complete ? '' : ` · incomplete: ${r.incompleteReason}`}`,
    );
  }
  process.stdout.write(`${file}\n`);
  note(
    `shard ${report.shard?.index}/${report.shard?.count} ran ${ran.length} of ${report.cells.length} cells; merge the shards' reports with: chat-conformance merge DIR…`,
  );
  return report.exitCode === 130 ? 130 : 0;
}
