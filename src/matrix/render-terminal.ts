/** What a person reads at the end of a matrix run: one line per cell, what counts against it, and the verdict. */
import { mapStrings, type RenderOptions, redactOutput, redactReport } from '../report/json.ts';
import { countsPhrase, expectationsPhrase } from '../report/summary.ts';
import { GLYPH, neutralizeControls, WIDTH, wrap } from '../report/terminal.ts';
import { failuresOf, matrixHeadline, standingOf } from './digest.ts';
import type { MatrixView } from './result.ts';

const ANSI = { red: '31', green: '32', yellow: '33', dim: '2', bold: '1' } as const;

export function renderMatrixTerminal(view: MatrixView, options: RenderOptions & { color: boolean; reportsAt?: string }): string {
  const paint = (style: keyof typeof ANSI, text: string): string => (options.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text);
  const reports = view.reports.map((r) => mapStrings(redactReport(r, options.secrets), neutralizeControls));
  const cells = view.matrix.cells.map((c) => mapStrings(c, neutralizeControls));
  const nameWidth = Math.min(40, Math.max(...cells.map((c) => `${c.target} · ${c.model}`.length)));
  const lines: string[] = [paint('bold', `Matrix ${view.matrix.config} · ${cells.length} ${cells.length === 1 ? 'cell' : 'cells'}`)];
  cells.forEach((cell, i) => {
    const report = reports[i]!;
    const standing = standingOf(report);
    const mark =
      standing === 'clean' ? paint('green', GLYPH.pass) : standing === 'failing' ? paint('red', GLYPH.fail) : paint('yellow', '⚠');
    const name = `${cell.target} · ${cell.model}`.padEnd(nameWidth);
    const facts = report.complete ? countsPhrase(report.totals) : `incomplete: ${report.incompleteReason ?? 'stopped early'}`;
    lines.push(`${mark} ${name}  ${facts} · ${report.budget.requests}/${report.budget.requestLimit} requests`);
    const f = failuresOf(report);
    for (const { check, expected } of f.counted) lines.push(paint('red', `    ✗ ${check.id}${expected ? ` (${expected})` : ''}`));
    const e = report.expectations;
    if (e && e.expectedFailures.length + e.unexpected.length + e.progress.length > 0)
      lines.push(...wrap(expectationsPhrase(e), WIDTH, '    ', '      ').map((l) => paint('dim', l)));
  });
  const ok = view.matrix.exitCode === 0;
  const closing = `${ok ? paint('green', GLYPH.pass) : paint('red', GLYPH.fail)} ${paint('bold', matrixHeadline(view))}`;
  lines.push('', closing);
  if (options.reportsAt) lines.push(`  reports in ${options.reportsAt}`);
  return redactOutput(`${lines.join('\n')}\n`, options.secrets);
}
