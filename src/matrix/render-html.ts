/**
 * The matrix report.html: one row per cell with its counts and a small pass/fail matrix, linked to the cell's own
 * report, then what sets the exit code. Self-contained like every report page; text is escaped by `markup`.
 */
import { matrixRows, REPORT_STYLE } from '../report/html.ts';
import { type RenderOptions, redactOutput, redactReport } from '../report/json.ts';
import { VERDICT_ORDER } from '../report/summary.ts';
import { type Markup, markup, matrixSvg, raw, VERDICT_STYLE } from '../report/svg.ts';
import { type CellStanding, failuresOf, matrixHeadline, standingOf } from './digest.ts';
import type { MatrixView } from './result.ts';

/** Text glyphs with colour (pages need no emoji font). */
const MARK: Record<CellStanding, Markup> = {
  clean: markup`<span class="pass">✓</span>`,
  failing: markup`<span class="fail">✗</span>`,
  incomplete: markup`<span class="warn">⚠</span>`,
};

/** From `matrix/<run>/report.html` to a cell's folder under the same report folder. */
const fromMatrixPage = (folder: string): string => `../../${folder.split(/[\\/]/).map(encodeURIComponent).join('/')}/report.html`;

export function renderMatrixHtml(view: MatrixView, options: RenderOptions = {}): string {
  const { matrix } = view;
  const reports = view.reports.map((r) => redactReport(r, options.secrets));
  const standing: CellStanding = matrix.exitCode === 0 ? (matrix.complete ? 'clean' : 'incomplete') : 'failing';
  const rows = matrix.cells.map((cell, i) => {
    const report = reports[i]!;
    const f = failuresOf(report);
    const link = cell.outcome?.folder ? fromMatrixPage(cell.outcome.folder) : undefined;
    const name = markup`<strong>${cell.target}</strong><br><code>${cell.model}</code>`;
    return markup`<tr>
<td>${MARK[standingOf(report)]}</td>
<td>${link ? markup`<a href="${link}">${name}</a>` : name}<br><span class="muted">${cell.url} · ${cell.profile} · ${cell.depth} · seed ${cell.seed}</span>${report.complete ? '' : markup`<br><span class="warn">incomplete: ${report.incompleteReason ?? 'stopped early'}</span>`}</td>
${VERDICT_ORDER.map((v) => markup`<td class="num ${v}">${report.totals[v]}</td>`)}
<td class="num fail">${f.counted.length}</td>
<td class="num">${report.expectations ? f.known.length : '—'}</td>
<td>${matrixSvg(matrixRows(report.checks))}</td>
</tr>`;
  });
  const unexpected = matrix.cells.flatMap((cell, i) =>
    failuresOf(reports[i]!).counted.map(
      ({ check, expected }) =>
        markup`<li>${cell.target} · <code>${cell.model}</code>: <code class="fail">${check.id}</code> — ${check.rule} <span class="muted">(${expected ?? 'no expectations file'})</span></li>`,
    ),
  );
  const progress = matrix.cells.flatMap((cell, i) =>
    (reports[i]!.expectations?.progress ?? []).map(
      (id) => markup`<li>${cell.target} · <code>${cell.model}</code>: <code class="pass">${id}</code></li>`,
    ),
  );
  const known = matrix.cells.flatMap((cell, i) =>
    failuresOf(reports[i]!).known.map(
      (check) => markup`<li>${cell.target} · <code>${cell.model}</code>: <code>${check.id}</code> — ${check.rule}</li>`,
    ),
  );
  const page = markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chat-conformance matrix ${standing === 'clean' ? '✓' : standing === 'failing' ? '✗' : '⚠'}</title>
<style>${raw(REPORT_STYLE)} .cells .chart { max-width: 420px; } .cells td:nth-child(2) { min-width: 220px; }</style>
</head>
<body>
<h1>chat-conformance matrix</h1>
<div class="verdict">${MARK[standing]} ${matrixHeadline(view)}</div>
<p class="muted">Config <code>${matrix.config}</code> · started ${matrix.startedAt} · ${matrix.tool.name} ${matrix.tool.version} · matrix report schema ${matrix.schemaVersion}</p>
<table class="cells"><thead><tr><th></th><th>Cell</th>${VERDICT_ORDER.map((v) => markup`<th>${VERDICT_STYLE[v].label}</th>`)}<th>Unexpected</th><th>Expected</th><th>Checks</th></tr></thead>
<tbody>${rows}</tbody></table>
${unexpected.length > 0 ? markup`<h2 class="fail">Unexpected failures (${unexpected.length})</h2><ul>${unexpected}</ul>` : markup`<h2>Unexpected failures</h2><p class="pass">None.</p>`}
${progress.length > 0 ? markup`<h2 class="pass">Progress (${progress.length})</h2><p>Expected to fail, now passing or only warning.</p><ul>${progress}</ul>` : ''}
${known.length > 0 ? markup`<h2>Expected failures (${known.length})</h2><ul>${known}</ul>` : ''}
</body>
</html>
`;
  return redactOutput(page.value, options.secrets);
}
