/**
 * A history on the terminal: per series, one row per check with one glyph per run, since when failing checks fail,
 * flaky checks with the runs where they flipped, and the trends as one character per run.
 */

import type { CheckVerdict } from '../core/vocabulary.ts';
import { GLYPH, neutralizeControls } from '../report/terminal.ts';
import type { CheckHistory, SeriesHistory } from './model.ts';
import { sparkText, trendsOf } from './trends.ts';

const ANSI = { red: '31', green: '32', yellow: '33', dim: '2', bold: '1', magenta: '35' } as const;
type Paint = (style: keyof typeof ANSI, text: string) => string;

const STYLE: Record<CheckVerdict, keyof typeof ANSI> = { pass: 'green', fail: 'red', warn: 'yellow', skip: 'dim', 'not-run': 'dim' };
const NAME_WIDTH = 38;

export const day = (iso: string): string => iso.slice(0, 10);

/** Whether a row says something: anything but a pass in every run shown. */
export const noteworthy = (row: CheckHistory): boolean =>
  row.flaky || row.failingSince !== undefined || row.cells.some((v) => v !== 'pass');

function rowLine(row: CheckHistory, paint: Paint): string[] {
  const name = row.id.length > NAME_WIDTH ? `${row.id.slice(0, NAME_WIDTH - 1)}…` : row.id.padEnd(NAME_WIDTH);
  const cells = row.cells.map((v) => paint(STYLE[v], GLYPH[v])).join('  ');
  const notes: string[] = [];
  if (row.failingSince)
    notes.push(
      paint(
        'red',
        `failing since ${day(row.failingSince.startedAt)} (${row.failingSince.runs} ${row.failingSince.runs === 1 ? 'run' : 'runs'})`,
      ),
    );
  if (row.flaky) notes.push(paint('magenta', `flaky: ${row.flips} flips`));
  const lines = [`  ${name} ${cells}${notes.length > 0 ? `   ${notes.join(' · ')}` : ''}`];
  if (row.flaky) lines.push(paint('dim', `    flipped in ${row.flipRuns.map((folder) => folder.split('/').at(-1)).join(', ')}`));
  return lines;
}

export function renderHistoryTerminal(
  histories: readonly SeriesHistory[],
  options: { color: boolean; all: boolean; htmlAt?: string },
): string {
  const paint: Paint = (style, text) => (options.color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text);
  const blocks = histories.map((h) => {
    const first = h.runs[0];
    const newest = h.runs.at(-1);
    const span = first && newest ? `${day(first.startedAt)} → ${day(newest.startedAt)}` : '';
    const lines = [
      paint('bold', neutralizeControls(`${h.series} · ${h.label}`)),
      paint('dim', `  ${h.runs.length} runs, ${span}; showing the last ${h.shown.length}`),
    ];
    lines.push(paint('dim', `  ${'run (day of month)'.padEnd(NAME_WIDTH)} ${h.shown.map((r) => r.startedAt.slice(8, 10)).join(' ')}`));
    const rows = options.all ? h.checks : h.checks.filter(noteworthy);
    for (const row of rows) lines.push(...rowLine(row, paint));
    const hidden = h.checks.length - rows.length;
    if (hidden > 0) lines.push(paint('dim', `  ${hidden} more checks passed in every run shown (--all lists them)`));
    for (const trend of trendsOf(h.shown)) {
      const known = trend.values.filter((v): v is number => v !== undefined);
      const last = known.at(-1);
      lines.push(
        `  ${trend.label.padEnd(NAME_WIDTH)} ${sparkText(trend.values)}${last !== undefined ? `  last ${trend.format(last)}` : ''}`,
      );
    }
    return lines.join('\n');
  });
  const flaky = histories.reduce((n, h) => n + h.checks.filter((c) => c.flaky).length, 0);
  const failing = histories.reduce((n, h) => n + h.checks.filter((c) => c.failingSince).length, 0);
  const closing = `${histories.length} ${histories.length === 1 ? 'series' : 'series'} · ${failing} failing now · ${flaky} flaky${options.htmlAt ? ` · ${options.htmlAt}` : ''}`;
  return `${[...blocks, closing].join('\n\n')}\n`;
}
