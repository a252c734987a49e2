/** A headless-capable Chromium on PATH, if any: the browser checks of the HTML views run only where one is. */
import { execFileSync } from 'node:child_process';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export function findBrowser(): string | undefined {
  for (const name of CANDIDATES) {
    try {
      execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
      return name;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}
