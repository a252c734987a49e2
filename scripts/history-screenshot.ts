/**
 * Draws the history view of ten planted nightly runs in headless Chromium and saves the picture the README shows.
 * Usage: npx tsx scripts/history-screenshot.ts [OUT.png]   (needs chromium: apt-get install -y chromium)
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../src/cli/main.ts';
import { findBrowser } from '../test/support/browser.ts';
import { plantHistory } from '../test/support/history-runs.ts';

const out = resolve(process.argv[2] ?? 'docs/history.png');
const browser = findBrowser();
if (!browser) {
  process.stderr.write('error: no chromium, chromium-browser or google-chrome on PATH (apt-get install -y chromium)\n');
  process.exit(2);
}
const root = await mkdtemp(join(tmpdir(), 'cc-history-shot-'));
const dir = join(root, 'reports');
try {
  await plantHistory(dir);
  // Run from beside the folder, so the page names it as a user would.
  process.chdir(root);
  const code = await main(['history', 'reports', '--no-color']);
  if (code !== 0) process.exit(code);
  const page = `file://${join(dir, 'history.html')}`;
  execFileSync(
    browser,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1100,1080', `--screenshot=${out}`, page],
    { stdio: 'ignore', timeout: 60_000 },
  );
  process.stderr.write(`wrote ${out}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}
