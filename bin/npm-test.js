#!/usr/bin/env node
// `npm test`: with no arguments, the freshness check, the tool's self-tests, then a conformance run against the
// embedded reference provider; with arguments (`npm test -- --target=URL …`), only that conformance run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('./chat-conformance.js', import.meta.url));
const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const args = process.argv.slice(2);

function step(title, command, commandArgs) {
  process.stderr.write(`\n▶ ${title}\n`);
  const { status, signal } = spawnSync(process.execPath, [command, ...commandArgs], { stdio: 'inherit' });
  return signal ? 130 : (status ?? 1);
}

if (args.length > 0) {
  process.exit(step('conformance run', cli, ['run', ...args]));
}
const steps = [
  ['generated files are fresh', cli, ['gen', '--check']],
  ['self-tests', vitest, ['run', '--project', 'self']],
  // A fixed seed keeps the embedded run, and so CI, reproducible.
  ['conformance run against the embedded reference provider', cli, ['run', '--seed=20261123']],
];
for (const [title, command, commandArgs] of steps) {
  const status = step(title, command, commandArgs);
  if (status !== 0) process.exit(status);
}
