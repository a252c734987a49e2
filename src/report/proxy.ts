/**
 * The proxy section every renderer shows for a proxy run, as plain text cells (each renderer escapes them its own
 * way): the request fields as sent and as the upstream received them (what changed, one row each; what did not,
 * one row per request), the answers as sent and as received, and a differential run's differences.
 */
import type { ProxyFieldRow, ProxyReport } from '../engine/result.ts';

export interface ProxyTable {
  title: string;
  intro: string;
  header: string[];
  rows: string[][];
}

const MARK: Record<ProxyFieldRow['verdict'], string> = { pass: '✅', warn: '⚠️', fail: '❌' };

const CHANGE: Record<ProxyFieldRow['change'], string> = {
  unchanged: 'unchanged',
  changed: 'rewritten',
  dropped: 'dropped',
  added: 'added',
};

const where = (probe: string, exchangeId: number | undefined): string => (exchangeId === undefined ? probe : `${probe} #${exchangeId}`);

/** `Proxy run against the instrumented upstream at …: 2 request fields changed · 1 answer differs` */
export function proxyHeadline(proxy: ProxyReport): string {
  const setup =
    proxy.mode === 'instrumented' ? `the instrumented upstream at ${proxy.upstream}` : `the upstream ${proxy.upstream} (differential)`;
  const changed = proxy.fields.filter((r) => r.change !== 'unchanged').length;
  const differing = proxy.answers.filter((r) => !r.jsonEqual).length;
  const differences = proxy.differences.filter((r) => r.verdict !== 'pass').length;
  const parts =
    proxy.mode === 'instrumented'
      ? [
          `${changed} of ${proxy.fields.length} request fields changed on the way`,
          `${differing} of ${proxy.answers.length} answers differ from what the upstream sent`,
        ]
      : [`${differences} differences from the upstream's own answers`];
  return `Proxy run against ${setup}: ${parts.join(' · ')}`;
}

function fieldRows(rows: readonly ProxyFieldRow[]): string[][] {
  const out: string[][] = [];
  const requests = [...new Set(rows.map((r) => where(r.probe, r.exchangeId)))];
  for (const request of requests) {
    const mine = rows.filter((r) => where(r.probe, r.exchangeId) === request);
    for (const row of mine.filter((r) => r.change !== 'unchanged' || r.verdict !== 'pass')) {
      out.push([request, row.field, row.sent ?? '—', row.received ?? '—', `${MARK[row.verdict]} ${CHANGE[row.change]}`]);
    }
    const same = mine.filter((r) => r.change === 'unchanged' && r.verdict === 'pass').map((r) => r.field);
    if (same.length > 0) out.push([request, same.join(', '), 'as sent', 'as sent', `${MARK.pass} unchanged`]);
  }
  return out;
}

export function proxyTables(proxy: ProxyReport): ProxyTable[] {
  const tables: ProxyTable[] = [];
  if (proxy.fields.length > 0) {
    tables.push({
      title: 'Request fields: sent by the client, received by the upstream',
      intro:
        'Every field of the requests that check request fidelity; a field the proxy dropped or rewrote changes what the upstream does.',
      header: ['Request', 'Field', 'Sent', 'Received', 'Change'],
      rows: fieldRows(proxy.fields),
    });
  }
  if (proxy.answers.length > 0) {
    tables.push({
      title: 'Answers: sent by the upstream, received by the client',
      intro: 'JSON-equal is the rule; byte-equal is for information (a proxy may re-serialise JSON or re-frame events).',
      header: ['Request', 'Upstream sent', 'Client got', 'JSON-equal', 'Byte-equal'],
      rows: proxy.answers.map((r) => [
        where(r.probe, r.exchangeId),
        r.upstream,
        r.client,
        r.jsonEqual ? '✅ yes' : '❌ no',
        r.byteEqual ? 'yes' : 'no',
      ]),
    });
  }
  if (proxy.differences.length > 0) {
    tables.push({
      title: 'Differences: straight from the upstream, and through the proxy',
      intro: 'The same seeded temperature-0 request both ways.',
      header: ['Request', 'Aspect', 'Upstream', 'Through the proxy', 'Verdict'],
      rows: proxy.differences.map((r) => [where(r.probe, r.exchangeId), r.aspect, r.direct, r.proxied, `${MARK[r.verdict]} ${r.verdict}`]),
    });
  }
  return tables;
}

/** A table as fixed-width text (JUnit system-out). */
export function textTable(table: ProxyTable): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, i) => Math.min(48, Math.max(...all.map((row) => (row[i] ?? '').length))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (cell.length > widths[i]! ? `${cell.slice(0, widths[i]! - 1)}…` : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [table.title, line(table.header), ...table.rows.map(line)].join('\n');
}
