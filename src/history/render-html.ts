/**
 * history.html: per series, the trends as small pictures, then one row per check and one coloured cell per run
 * (each run's column links to its report), since when failing checks fail, and flaky checks flagged with links to
 * the runs where they flipped. Self-contained like every report page; every text goes through `markup`.
 */
import { REPORT_STYLE } from '../report/html.ts';
import { type Markup, markup, raw, VERDICT_STYLE } from '../report/svg.ts';
import type { CheckHistory, SeriesHistory } from './model.ts';
import { day } from './render-terminal.ts';
import { sparkSvg, trendsOf } from './trends.ts';

const STYLE = `
table.history td.v { width: 22px; min-width: 22px; text-align: center; font-weight: 600; padding: 2px; }
table.history th.run { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; font-size: 11.5px; padding: 4px 2px; }
table.history td.id, table.history td.since { white-space: nowrap; }
.flaky { background: #f3e5f5; color: #6a1b9a; border: 1px solid #ab47bc; border-radius: 3px; padding: 0 5px; font-size: 12px; font-weight: 600; }
.trends { display: flex; gap: 20px; flex-wrap: wrap; }
figure.trend { margin: 0; font-size: 12px; }
`;

export interface HistoryLinks {
  /** The link from the page to a run's report.html, given the run's folder. */
  report(folder: string): string;
}

function row(check: CheckHistory, h: SeriesHistory, links: HistoryLinks): Markup {
  const cells = check.cells.map((verdict, i) => {
    const style = VERDICT_STYLE[verdict];
    const run = h.shown[i]!;
    return markup`<td class="v" style="background:${style.fill};color:${style.ink}" title="${check.id}: ${style.label} on ${run.startedAt} (seed ${run.seed})">${style.glyph}</td>`;
  });
  const since = check.failingSince
    ? markup`<span class="fail">since <a href="${links.report(check.failingSince.folder)}">${day(check.failingSince.startedAt)}</a> (${check.failingSince.runs} ${check.failingSince.runs === 1 ? 'run' : 'runs'})</span>`
    : '';
  const flipLinks = check.flipRuns.map((folder) => {
    const at = h.shown.findIndex((r) => r.folder === folder);
    return markup` <a href="${links.report(folder)}">${at >= 0 ? day(h.shown[at]!.startedAt) : folder}</a>`;
  });
  const flaky = check.flaky ? markup`<span class="flaky" data-flaky="${check.id}">flaky</span> ${check.flips} flips:${flipLinks}` : '';
  return markup`<tr${check.flaky ? markup` class="is-flaky"` : ''}><td class="id"><code>${check.id}</code></td>${cells}<td class="since">${since}</td><td>${flaky}</td></tr>`;
}

function section(h: SeriesHistory, links: HistoryLinks, index: number): Markup {
  const first = h.runs[0];
  const newest = h.runs.at(-1);
  const head = h.shown.map(
    (run) =>
      markup`<th class="run"><a href="${links.report(run.folder)}" title="${run.folder} · seed ${run.seed}${run.complete ? '' : ' · incomplete'}">${run.startedAt.slice(0, 16).replace('T', ' ')}</a></th>`,
  );
  const failing = h.checks.filter((c) => c.failingSince).length;
  const flaky = h.checks.filter((c) => c.flaky).length;
  return markup`<section id="series-${index}">
<h2>${h.series} <span class="muted">· ${h.label}</span></h2>
<p>${h.runs.length} runs from ${first ? day(first.startedAt) : ''} to ${newest ? day(newest.startedAt) : ''}; the last ${h.shown.length} are shown. <span class="fail">${failing} failing now</span> · <span class="flaky">${flaky} flaky</span></p>
<div class="trends">${trendsOf(h.shown).map((t) => sparkSvg(t))}</div>
<table class="history"><thead><tr><th>Check</th>${head}<th>Failing</th><th>Flaky</th></tr></thead>
<tbody>${h.checks.map((c) => row(c, h, links))}</tbody></table>
</section>`;
}

export function renderHistoryHtml(histories: readonly SeriesHistory[], links: HistoryLinks, title: string): string {
  const legend = (Object.keys(VERDICT_STYLE) as Array<keyof typeof VERDICT_STYLE>).map(
    (v) =>
      markup`<span style="display:inline-block;padding:0 6px;margin-right:6px;background:${VERDICT_STYLE[v].fill};color:${VERDICT_STYLE[v].ink};border:1px solid #bdbdbd">${VERDICT_STYLE[v].glyph} ${VERDICT_STYLE[v].label}</span>`,
  );
  return markup`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>chat-conformance history · ${title}</title>
<style>${raw(REPORT_STYLE)}${raw(STYLE)}</style>
</head>
<body>
<h1>chat-conformance history</h1>
<p class="muted">${title} · ${histories.length} series · one row per check, one column per run (oldest left); a check whose verdict flipped at least twice in the runs shown is flagged <span class="flaky">flaky</span>.</p>
<p>${legend}</p>
${histories.map((h, i) => section(h, links, i))}
</body>
</html>
`.value;
}
