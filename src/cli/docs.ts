/**
 * The README's check and fault tables, rendered from the registry and the reference catalogue so they cannot drift.
 * `npm run gen` writes them; `gen --check` fails when the committed README differs.
 */
import { checks } from '../checks/registry.ts';
import { behaviours } from '../reference/catalogue.ts';
import { proxyFaults } from '../reference/proxy/faults.ts';
import { cell, replaceMarked } from './markdown.ts';

export function renderChecksTable(): string {
  const faults = [...behaviours.filter((b) => b.kind === 'fault'), ...proxyFaults];
  const rows = checks.map((check) => {
    const proving = faults.filter((f) => f.detectedBy.includes(check.id)).map((f) => `\`${f.name}\``);
    return `| \`${check.id}\` | ${check.area} | ${check.severity} | ${cell(check.rule)} | ${cell(check.source)} | ${proving.join(', ') || '—'} |`;
  });
  const proven = checks.filter((c) => faults.some((f) => f.detectedBy.includes(c.id))).length;
  return [
    `${checks.length} checks; ${proven} of them are proven to fail against a fault of the reference provider or the reference proxy, and ${faults.length} faults are each detected by the checks they name (the self-tests in \`test/fault-matrix.test.ts\` verify every row).`,
    '',
    '| check | area | severity | rule | document | proved by fault |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

const ids = (list: readonly string[]): string => list.map((id) => `\`${id}\``).join(', ') || '—';

export function renderFaultsTable(): string {
  const table = (kind: 'fault' | 'variant') =>
    behaviours
      .filter((b) => b.kind === kind)
      .map((b) => `| \`${b.name}\` | ${cell(b.description)} | ${ids(kind === 'fault' ? b.detectedBy : (b.observedBy ?? []))} |`);
  return [
    '| fault | what it does | detected by |',
    '|---|---|---|',
    ...table('fault'),
    '',
    'Legal variants (a correct client accepts them). Against a variant no check observes, every check passes under every profile. The others follow another reading of the documents, modelled on a widely used server: nothing fails under `lenient`, exactly the checks named warn under `documented` and fail under `strict` (`test/fault-matrix.test.ts` verifies every row):',
    '',
    '| variant | what it does | observed by |',
    '|---|---|---|',
    ...table('variant'),
  ].join('\n');
}

export function renderProxyFaultsTable(): string {
  return [
    '| proxy fault | what it does | detected by |',
    '|---|---|---|',
    ...proxyFaults.map((f) => `| \`${f.name}\` | ${cell(f.description)} | ${f.detectedBy.map((id) => `\`${id}\``).join(', ')} |`),
  ].join('\n');
}

/** The README with its generated tables brought up to date. */
export function updateReadme(text: string): string {
  const tables = replaceMarked(replaceMarked(text, 'checks', renderChecksTable()), 'faults', renderFaultsTable());
  return replaceMarked(tables, 'proxy-faults', renderProxyFaultsTable());
}
