/**
 * Writes a merged matrix: each cell's four reports in its own folder (`targets/<target>/<model>/<run>/`, with
 * `latest/` beside, compared with that cell's previous run as a single run is), then the matrix report itself
 * (`matrix/<start time>/` and `matrix/latest/`). A single-machine run and a merge of shards both end here.
 */
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { compareRuns, parseBaseline, sameSubject } from '../engine/compare.ts';
import type { RunReport } from '../engine/result.ts';
import { redactOutput } from '../report/json.ts';
import { LATEST_DIR, runStamp, writeReports, writeRunFolder } from '../report/write.ts';
import type { MergedMatrix } from './merge.ts';
import { renderMatrixHtml } from './render-html.ts';
import { renderMatrixJunit } from './render-junit.ts';
import { renderMatrixSummary } from './render-summary.ts';
import { type CellRecord, MATRIX_SCHEMA_VERSION, type MatrixReport, type MatrixView } from './result.ts';

export const MATRIX_DIR = 'matrix';
export const TARGETS_DIR = 'targets';

/** A model id as one folder name (ids such as `org/model:tag` carry separators). */
export const folderName = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';

export const cellFolder = (cell: Pick<CellRecord, 'target' | 'model'>): string => join(TARGETS_DIR, cell.target, folderName(cell.model));

export interface WrittenMatrix extends MatrixView {
  /** The matrix report's folder. */
  runDir: string;
}

/** The cell's previous run in its folder, when it tested the same thing. */
async function compareWithPrevious(report: RunReport, cellDir: string): Promise<void> {
  const file = join(cellDir, LATEST_DIR, 'report.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const parsed = parseBaseline(text);
  if ('run' in parsed && sameSubject(parsed.run, report)) report.comparison = compareRuns(parsed.run, report, file);
}

export function matrixReport(merged: MergedMatrix, folders: readonly string[], version: string): MatrixReport {
  const reports = merged.cells.map((c) => c.report);
  const totals = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-run': 0 };
  for (const report of reports) for (const [k, v] of Object.entries(report.totals)) totals[k as keyof typeof totals] += v;
  const cells = merged.cells.map(
    ({ record, report }, i): CellRecord => ({
      ...record,
      outcome: {
        totals: report.totals,
        exitCode: report.exitCode,
        complete: report.complete,
        ...(report.incompleteReason ? { incompleteReason: report.incompleteReason } : {}),
        ...(report.expectations ? { expectations: report.expectations } : {}),
        folder: folders[i] ?? '',
      },
    }),
  );
  const codes = reports.map((r) => r.exitCode);
  return {
    schemaVersion: MATRIX_SCHEMA_VERSION,
    kind: 'matrix',
    tool: { name: 'chat-conformance', version },
    config: merged.config,
    startedAt: merged.startedAt,
    endedAt: merged.endedAt,
    complete: reports.every((r) => r.complete),
    exitCode: codes.includes(1) ? 1 : codes.includes(130) ? 130 : 0,
    totals,
    cells,
  };
}

export const renderMatrixJson = (matrix: MatrixReport): string => `${JSON.stringify(matrix, null, 2)}\n`;

export async function writeMatrix(
  merged: MergedMatrix,
  reportDir: string,
  options: { secrets: readonly string[]; version: string },
): Promise<WrittenMatrix> {
  const folders = await Promise.all(
    merged.cells.map(async ({ record, report }) => {
      const cellDir = join(reportDir, cellFolder(record));
      await compareWithPrevious(report, cellDir);
      const written = await writeReports(report, cellDir, { secrets: options.secrets });
      return relative(reportDir, written.runDir);
    }),
  );
  const matrix = matrixReport(merged, folders, options.version);
  const view: MatrixView = { matrix, reports: merged.cells.map((c) => c.report) };
  const rendered: Array<[string, string]> = [
    ['report.json', redactOutput(renderMatrixJson(matrix), options.secrets)],
    ['summary.md', renderMatrixSummary(view, options)],
    ['report.html', renderMatrixHtml(view, options)],
    ['junit.xml', renderMatrixJunit(view, options)],
  ];
  const written = await writeRunFolder(join(reportDir, MATRIX_DIR), runStamp(matrix.startedAt), rendered);
  return { ...view, runDir: written.runDir };
}
