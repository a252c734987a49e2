/**
 * Plans run inside vitest workers; each writes its result as one JSON part, and the CLI merges the parts into the
 * run report. A part holds no raw bytes and no credentials.
 */
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GAPS_KEPT, type ExchangeSummary, type PlanResult } from './result.ts';
import type { Exchange } from '../core/exchange.ts';

export type PlanPart = Omit<PlanResult, 'exchanges'> & { exchanges: ExchangeSummary[] };

export function summariseExchange(exchange: Exchange): ExchangeSummary {
  const summary: ExchangeSummary = {
    id: exchange.id,
    label: exchange.label,
    method: exchange.request.method,
    url: exchange.request.url,
    totalMs: Math.round(exchange.timings.totalMs),
    bytes: exchange.reads.reduce((n, r) => n + r.bytes.length, 0),
    retries: exchange.retries.length,
  };
  if (exchange.response) summary.status = exchange.response.status;
  if (exchange.error) summary.error = exchange.error.code;
  if (exchange.timings.headersMs !== undefined) summary.headersMs = Math.round(exchange.timings.headersMs);
  if (exchange.timings.firstByteMs !== undefined) summary.firstByteMs = Math.round(exchange.timings.firstByteMs);
  const gaps = exchange.timings.gapsMs;
  if (gaps.length > 0) {
    // reduce, not Math.max(...gaps): an endless stream can record more reads than a call may take arguments.
    summary.maxGapMs = Math.round(gaps.reduce((max, ms) => Math.max(max, ms), 0));
    summary.gapsMs = gaps.slice(0, GAPS_KEPT).map((ms) => Math.round(ms * 10) / 10);
  }
  return summary;
}

export function toPart(result: PlanResult): PlanPart {
  return { ...result, exchanges: result.exchanges.map(summariseExchange) };
}

export async function writePart(dir: string, result: PlanResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${result.area}.json`), JSON.stringify(toPart(result)));
}

export async function readParts(dir: string): Promise<PlanPart[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as PlanPart));
}
