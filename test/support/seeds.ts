/**
 * Where the provider's documents are: `$CHAT_CONFORMANCE_SEEDS`, or `shared/seeds/` beside the clone.
 * Tests that read them skip (saying why) on a clone that does not have them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const candidates = [
  process.env['CHAT_CONFORMANCE_SEEDS'],
  resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'seeds'),
].filter((p): p is string => Boolean(p));

/** The documents folder, or undefined when this clone has none beside it. */
export const SEEDS: string | undefined = candidates.find((p) => existsSync(join(p, 'README.md')));

export const SEEDS_MISSING = SEEDS === undefined;

/** The four documents of the contract (see spec/README.md). */
export const SEED_FILES: readonly string[] = [
  '000_96bde8db4d236014.txt',
  '001_7a31a6b58b31bf6d.txt',
  '002_911505efb3194a71.txt',
  '003_f82a578225befbf7.txt',
];

/** The `.txt` files actually present, to confirm the list above matches the folder. */
export const presentSeedFiles = (): string[] => (SEEDS ? readdirSync(SEEDS).filter((f) => f.endsWith('.txt')) : []);

export function seedText(file: string): string {
  if (!SEEDS) throw new Error('the provider documents are not beside this clone (set CHAT_CONFORMANCE_SEEDS)');
  return readFileSync(join(SEEDS, file), 'utf8');
}
