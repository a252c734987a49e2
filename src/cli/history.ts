/**
 * `chat-conformance history [DIR]`: the runs kept under a report folder, per series (each cell of a matrix, or the
 * folder of single runs), on the terminal and as history.html. Old runs are removed only with --prune KEEP.
 */

import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { buildHistory, DEFAULT_LAST, prunable } from '../history/model.ts';
import { readRuns } from '../history/read.ts';
import { renderHistoryHtml } from '../history/render-html.ts';
import { renderHistoryTerminal } from '../history/render-terminal.ts';
import { ToolError } from '../run/errors.ts';
import { parseFlags } from '../run/flags.ts';

export const HISTORY_USAGE = `Usage: chat-conformance history [DIR] [--last N] [--all] [--html FILE] [--prune KEEP] [--color | --no-color]

Reads the runs kept under DIR (default reports): each cell of a matrix, or the folder of single runs, is one
series. Prints one row per check with one column per run, since when each failing check fails, the checks whose
verdict flipped at least twice in the last N runs (flaky), and trends of latency and tokens; writes the same as
HTML (default DIR/history.html).

  --last N        runs shown and judged for flakiness (default ${DEFAULT_LAST})
  --all           list every check on the terminal, not only those that did not pass every run
  --html FILE     where to write the HTML view
  --prune KEEP    first remove every run but the newest KEEP of each series (matrix reports included)
`;

function count(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new ToolError('CC_BAD_FLAG', `--${flag} must be a whole number of at least 1, got "${raw}"`);
  return Number(raw);
}

export async function history(args: string[]): Promise<number> {
  const parsed = parseFlags(
    {
      args,
      allowPositionals: true,
      strict: true,
      options: {
        last: { type: 'string' },
        all: { type: 'boolean' },
        html: { type: 'string' },
        prune: { type: 'string' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    'usage: chat-conformance history [DIR]',
  );
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HISTORY_USAGE);
    return 0;
  }
  if (positionals.length > 1) throw new ToolError('CC_BAD_FLAG', 'history reads one report folder (usage: chat-conformance history [DIR])');
  const dir = positionals[0] ?? 'reports';
  const last = count('last', values.last, DEFAULT_LAST);
  const keep = values.prune === undefined ? undefined : count('prune', values.prune, 1);
  let found = await readRuns(dir);
  if (found.runs.length === 0) throw new ToolError('CC_BAD_FLAG', `history found no run reports under ${dir}`);
  if (keep !== undefined) {
    const doomed = prunable(found.runs, keep);
    const root = resolve(dir);
    for (const run of doomed) {
      const path = resolve(root, run.folder);
      // Never anything outside the folder named, whatever a folder name says.
      if (!path.startsWith(`${root}${sep}`)) continue;
      await rm(path, { recursive: true, force: true });
    }
    process.stderr.write(`pruned ${doomed.length} ${doomed.length === 1 ? 'run' : 'runs'}, keeping the newest ${keep} of each series\n`);
    found = await readRuns(dir);
  }
  if (found.unreadable.length > 0)
    process.stderr.write(
      `note: passed over ${found.unreadable.length} report.json files this version does not read as runs (shard reports, other schema versions)\n`,
    );
  const histories = buildHistory(found.runs, last);
  const html = values.html ?? join(dir, 'history.html');
  const page = renderHistoryHtml(
    histories,
    {
      report: (folder) =>
        relative(dirname(resolve(html)), join(resolve(dir), folder, 'report.html'))
          .split(sep)
          .join('/'),
    },
    dir,
  );
  await writeFile(html, page, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new ToolError('CC_BAD_FLAG', `--html ${html} cannot be written (${error.code ?? 'unknown error'})`);
  });
  const color = values.color ?? (values['no-color'] ? false : process.stdout.isTTY === true && !process.env['NO_COLOR']);
  process.stdout.write(renderHistoryTerminal(histories, { color, all: values.all === true, htmlAt: html }));
  return 0;
}
