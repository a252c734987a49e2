/**
 * `history` over ten stored nightly runs with a planted pattern: the failing check says since when, the check that
 * flips is flagged flaky with links to the runs where it flipped, the one that flipped once is not; the HTML view
 * links only to reports that exist and renders in a headless browser when one is installed; --prune keeps the
 * newest runs only when asked.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildHistory, prunable } from '../src/history/model.ts';
import { readRuns } from '../src/history/read.ts';
import { sparkText } from '../src/history/trends.ts';
import { findBrowser } from './support/browser.ts';
import { cliInProcess } from './support/cli-in-process.ts';
import { CELL_FOLDER, NIGHTS, PLANTED, plantHistory } from './support/history-runs.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cc-history-'));
  await plantHistory(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the history model', () => {
  test('one series of ten runs, one row per check, one column per run', async () => {
    const { runs } = await readRuns(dir);
    const [history, ...others] = buildHistory(runs);
    expect(others).toEqual([]);
    expect(history?.series).toBe(CELL_FOLDER);
    expect(history?.shown).toHaveLength(NIGHTS);
    expect(history?.checks.every((c) => c.cells.length === NIGHTS)).toBe(true);
  });

  test('since when the failing check fails, flaky only for two or more flips', async () => {
    const [history] = buildHistory((await readRuns(dir)).runs);
    const row = (id: string) => history?.checks.find((c) => c.id === id);
    expect(row(PLANTED.failing)?.failingSince).toMatchObject({ startedAt: `${PLANTED.failingSince}T03:00:00.000Z`, runs: 4 });
    expect(row(PLANTED.failing)?.flaky).toBe(false);
    expect(row(PLANTED.flaky)).toMatchObject({ flaky: true, flips: PLANTED.flakyFlips });
    expect(row(PLANTED.flaky)?.flipRuns).toHaveLength(PLANTED.flakyFlips);
    expect(row(PLANTED.once)).toMatchObject({ flaky: false, flips: 1 });
    expect(row(PLANTED.once)?.failingSince).toBeUndefined();
    expect(history?.checks.filter((c) => c.flaky).map((c) => c.id)).toEqual([PLANTED.flaky]);
  });

  test('flakiness counts only the last N runs', async () => {
    const [lastThree] = buildHistory((await readRuns(dir)).runs, 3);
    // Nights 8–10 of the flaky check are all warnings.
    expect(lastThree?.checks.find((c) => c.id === PLANTED.flaky)).toMatchObject({ flaky: false, flips: 0 });
    // Since-when looks past the window.
    expect(lastThree?.checks.find((c) => c.id === PLANTED.failing)?.failingSince?.runs).toBe(4);
  });

  test('a trend is one mark per run, scaled between the smallest and largest, blank where a run has no figure', () => {
    expect(sparkText([1, 2, 3, undefined, 9])).toBe('▁▂▃ █');
    expect(sparkText([5, 5])).toBe('▁▁');
  });
});

describe('chat-conformance history', () => {
  test('the terminal shows since-when dates and the flaky flag; the HTML view links to the flipped runs', async () => {
    const result = await cliInProcess(['history', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`failing since ${PLANTED.failingSince} (4 runs)`);
    expect(result.stdout).toMatch(new RegExp(`${PLANTED.flaky.replace('.', '\\.')} .*flaky: ${PLANTED.flakyFlips} flips`));
    expect(result.stdout).toContain('time to first byte (median)');
    const html = await readFile(join(dir, 'history.html'), 'utf8');
    expect(html).toContain(`data-flaky="${PLANTED.flaky}"`);
    expect(html.match(/data-flaky=/g)).toHaveLength(1);
    const links = [...html.matchAll(/href="([^"#]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(NIGHTS);
    for (const link of links) expect(existsSync(resolve(dirname(join(dir, 'history.html')), link)), link).toBe(true);
  });

  test('the HTML view renders in a headless browser', async (ctx) => {
    const browser = findBrowser();
    if (!browser) {
      ctx.skip('no headless browser (chromium, chromium-browser, google-chrome) on PATH; apt-get install -y chromium enables this check');
      return;
    }
    const page = `file://${join(dir, 'history.html')}`;
    const dom = execFileSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', page], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // The browser parsed the page into the table the renderer wrote (the screenshot script draws it: see README).
    expect(dom).toContain(`data-flaky="${PLANTED.flaky}"`);
    expect(dom.match(/<td class="v"/g)?.length).toBeGreaterThanOrEqual(NIGHTS * 50);
  });

  test('--prune keeps the newest runs of each series, and only when asked', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'cc-prune-'));
    try {
      await plantHistory(copy);
      expect(prunable((await readRuns(copy)).runs, 3)).toHaveLength(NIGHTS - 3);
      expect((await cliInProcess(['history', copy])).code).toBe(0);
      expect((await readRuns(copy)).runs).toHaveLength(NIGHTS);
      const pruned = await cliInProcess(['history', copy, '--prune', '3']);
      expect(pruned.stderr).toMatch(/pruned 7 runs, keeping the newest 3/);
      const left = (await readdir(join(copy, CELL_FOLDER))).sort();
      expect(left).toEqual(['2026-11-21T03-00-00Z-20261123', '2026-11-22T03-00-00Z-20261123', '2026-11-23T03-00-00Z-20261123', 'latest']);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});
