/**
 * The matrix summary.md, for a CI job summary: one row per cell, then what sets the exit code (unexpected
 * failures, incomplete cells), progress, and the failures the expectations accept. Target text is escaped.
 */
import { type RenderOptions, redactOutput } from '../report/json.ts';
import { mdCellCode, mdCode, mdInline, table, VERDICT_ORDER } from '../report/summary.ts';
import { failuresOf, matrixHeadline, STANDING_MARK, standingOf } from './digest.ts';
import type { MatrixView } from './result.ts';

const cellName = (target: string, model: string): string => `${target} · ${model}`;

export function renderMatrixSummary(view: MatrixView, options: RenderOptions = {}): string {
  const { matrix, reports } = view;
  const mark = matrix.exitCode === 0 ? (matrix.complete ? '✅' : '⚠️') : '❌';
  const rows = matrix.cells.map((cell, i) => {
    const report = reports[i]!;
    const f = failuresOf(report);
    return [
      `${STANDING_MARK[standingOf(report)]} ${mdInline(cell.target)}`,
      mdCellCode(cell.model),
      ...VERDICT_ORDER.map((v) => String(report.totals[v])),
      String(f.counted.length),
      report.expectations ? String(f.known.length) : '—',
      `${report.budget.requests}/${report.budget.requestLimit}`,
      mdCellCode(cell.outcome?.folder ?? ''),
    ];
  });
  const lines = [
    `# chat-conformance matrix ${mark}`,
    '',
    mdInline(matrixHeadline(view)),
    '',
    `Config ${mdCode(matrix.config)} · started ${mdInline(matrix.startedAt)} · tool ${mdInline(matrix.tool.version)} · matrix report schema ${matrix.schemaVersion}`,
    '',
    table(['Target', 'Model', '✅ pass', '❌ fail', '⚠️ warn', '⏭️ skip', 'not run', 'Unexpected', 'Expected', 'Requests', 'Reports'], rows),
  ];
  const unexpected = matrix.cells.flatMap((cell, i) => failuresOf(reports[i]!).counted.map((f) => ({ cell, ...f })));
  if (unexpected.length > 0) {
    lines.push('', `## ❌ Unexpected failures (${unexpected.length})`, '');
    lines.push(
      table(
        ['Cell', 'Check', 'Expected', 'Rule'],
        unexpected.map(({ cell, check, expected }) => [
          mdInline(cellName(cell.target, cell.model)),
          mdCellCode(check.id),
          mdInline(expected ?? 'no expectations file'),
          mdInline(check.rule),
        ]),
      ),
    );
  }
  const incomplete = matrix.cells.flatMap((cell, i) =>
    reports[i]!.complete ? [] : [{ cell, reason: reports[i]!.incompleteReason ?? 'stopped early' }],
  );
  if (incomplete.length > 0) {
    lines.push('', `## ⚠️ Incomplete cells (${incomplete.length})`, '');
    lines.push(...incomplete.map(({ cell, reason }) => `- ${mdInline(cellName(cell.target, cell.model))}: ${mdInline(reason)}`));
  }
  const progress = matrix.cells.flatMap((cell, i) => (reports[i]!.expectations?.progress ?? []).map((id) => ({ cell, id })));
  if (progress.length > 0) {
    lines.push(
      '',
      `## ✅ Progress (${progress.length})`,
      '',
      'Expected to fail, now passing or only warning; `--update-expectations` records it.',
      '',
    );
    lines.push(...progress.map(({ cell, id }) => `- ${mdInline(cellName(cell.target, cell.model))}: ${mdCode(id)}`));
  }
  const known = matrix.cells.flatMap((cell, i) => failuresOf(reports[i]!).known.map((check) => ({ cell, check })));
  if (known.length > 0) {
    lines.push('', `## Expected failures (${known.length})`, '');
    lines.push(
      ...known.map(({ cell, check }) => `- ${mdInline(cellName(cell.target, cell.model))}: ${mdCode(check.id)} — ${mdInline(check.rule)}`),
    );
  }
  lines.push('', 'Each cell has its own `summary.md` and `report.html` in the folder named above, under the report folder.');
  return redactOutput(`${lines.join('\n')}\n`, options.secrets);
}
